//! The `math-mcp` tool (MCP-Bench's Math MCP, offline): arithmetic and descriptive
//! statistics with the original's parameter names and JavaScript number semantics. Unlike
//! the original, `median` returns the median (the original always returns "undefined").

mod js_number;
mod stats;

use exports::mcpbench::math_mcp::math_mcp::Guest;

wit_bindgen::generate!({ path: "../../../wit/mcpbench/math-mcp", world: "math-mcp-tool" });

/// The WIT this tool exports, doc comments included, carried in the component (custom
/// section `cemcp:wit`) so that cemcp can show the docs to agents.
#[used]
#[unsafe(link_section = "cemcp:wit")]
static WIT: [u8; include_bytes!("../../../../wit/mcpbench/math-mcp/math-mcp.wit").len()] =
    *include_bytes!("../../../../wit/mcpbench/math-mcp/math-mcp.wit");

/// The error for an empty list where the schema asks for at least one number (the host
/// enforces `minItems` for JSON callers; programs calling through WIT get this).
fn empty() -> String {
    "`numbers` must hold at least one number".into()
}

struct MathMcp;

impl Guest for MathMcp {
    fn add(first_number: f64, second_number: f64) -> Result<f64, String> {
        Ok(first_number + second_number)
    }

    fn subtract(minuend: f64, subtrahend: f64) -> Result<f64, String> {
        Ok(minuend - subtrahend)
    }

    fn multiply(first_number: f64, second_number: f64) -> Result<f64, String> {
        Ok(first_number * second_number)
    }

    fn division(numerator: f64, denominator: f64) -> Result<f64, String> {
        Ok(numerator / denominator)
    }

    fn sum(numbers: Vec<f64>) -> Result<f64, String> {
        if numbers.is_empty() {
            return Err(empty());
        }
        // From 0 as JavaScript's `reduce` does (Rust's float `sum` starts at -0).
        Ok(numbers.iter().fold(0.0, |acc, n| acc + n))
    }

    fn mean(numbers: Vec<f64>) -> Result<f64, String> {
        stats::mean(&numbers).ok_or_else(empty)
    }

    fn median(numbers: Vec<f64>) -> Result<f64, String> {
        stats::median(&numbers).ok_or_else(empty)
    }

    fn mode(numbers: Vec<f64>) -> Result<String, String> {
        Ok(stats::mode(&numbers))
    }

    fn min(numbers: Vec<f64>) -> Result<f64, String> {
        Ok(stats::min(&numbers))
    }

    fn max(numbers: Vec<f64>) -> Result<f64, String> {
        Ok(stats::max(&numbers))
    }

    fn floor(number: f64) -> Result<f64, String> {
        Ok(stats::no_negative_zero(number.floor()))
    }

    fn ceiling(number: f64) -> Result<f64, String> {
        Ok(stats::no_negative_zero(number.ceil()))
    }

    fn round(number: f64) -> Result<f64, String> {
        Ok(stats::round(number))
    }
}

export!(MathMcp);
