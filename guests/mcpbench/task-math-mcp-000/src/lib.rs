//! MCP-Bench task `math_mcp_000` as a component program: farm-yield statistics, revenue,
//! profit and a fertiliser budget, every figure from a Math MCP call. The same work as
//! tests/mcpbench/tasks/math_mcp_000.py, with the same output: where a script reaches
//! tools through JSON, this program calls the tool's WIT interface directly, typed.
//!
//! Input: `{}` (the task's own figures), or any of `yields`, `price_per_ton`,
//! `fixed_cost_per_farm`, `deviation_limit`, `fertilizer_per_ton`, `fertilizer_allowance`.

use mcpbench::math_mcp::math_mcp as m;
use serde_json::{Value, json};

wit_bindgen::generate!({
    path: ["../../../wit/host", "../../../wit/mcpbench/math-mcp"],
    inline: "
        package cemcp:task-math-mcp-000;
        world task {
            include cemcp:host/program@0.1.0;
            import mcpbench:math-mcp/math-mcp@0.1.0;
        }
    ",
    world: "cemcp:task-math-mcp-000/task",
    generate_all,
});

struct Task;

impl Guest for Task {
    fn run(input: String) -> Result<String, String> {
        let input: Value = serde_json::from_str(&input).map_err(|e| format!("the input is not JSON: {e}"))?;
        let number = |key: &str, default: f64| input.get(key).and_then(Value::as_f64).unwrap_or(default);
        let yields: Vec<f64> = match input.get("yields").and_then(Value::as_array) {
            Some(items) => items.iter().filter_map(Value::as_f64).collect(),
            None => vec![120.0, 150.0, 150.0, 200.0, 180.0, 170.0, 160.0, 140.0, 130.0, 155.0],
        };
        let price_per_ton = number("price_per_ton", 30.0);
        let cost_per_farm = number("fixed_cost_per_farm", 2000.0);
        let deviation_limit = number("deviation_limit", 30.0);
        let fertilizer_per_ton = number("fertilizer_per_ton", 10.0);
        let fertilizer_allowance = number("fertilizer_allowance", 500.0);

        let total = m::sum(&yields)?;
        let average = m::mean(&yields)?;
        let median = m::median(&yields)?;
        let mode_text = m::mode(&yields)?;
        let lowest = m::min(&yields)?;
        let highest = m::max(&yields)?;
        let spread = m::subtract(highest, lowest)?;

        let revenue = m::multiply(total, price_per_ton)?;
        let fixed_cost = m::multiply(yields.len() as f64, cost_per_farm)?;
        let profit = m::subtract(revenue, fixed_cost)?;
        let ratio = m::division(profit, revenue)?;
        let margin_percent = m::round(m::multiply(ratio, 100.0)?)?;

        let deviation = m::subtract(highest, average)?;
        let (budget, branch) = if deviation > deviation_limit {
            let budget = m::ceiling(m::multiply(deviation, fertilizer_per_ton)?)?;
            (
                budget,
                format!("deviation {deviation} t > {deviation_limit} t: ceiling(deviation x {fertilizer_per_ton})"),
            )
        } else {
            let budget = m::floor(fertilizer_allowance)?;
            (budget, format!("deviation {deviation} t <= {deviation_limit} t: floor({fertilizer_allowance})"))
        };
        let (mode_values, mode_count) = parse_mode(&mode_text)?;

        let output = json!({
            "total_yield": total,
            "average_yield": average,
            "median_yield": median,
            "mode_yield": mode_values,
            "mode_frequency": mode_count,
            "min_yield": lowest,
            "max_yield": highest,
            "yield_range": spread,
            "total_revenue": revenue,
            "total_fixed_cost": fixed_cost,
            "net_profit": profit,
            "profit_margin_ratio": (ratio * 1e6).round() / 1e6,
            "profit_margin_percent": margin_percent,
            "deviation": deviation,
            "fertilizer_branch": branch,
            "fertilizer_budget": budget,
        });
        Ok(output.to_string())
    }
}

/// "Entries (150, 160) appeared 2 times" as the values and the count.
fn parse_mode(text: &str) -> Result<(Vec<f64>, u64), String> {
    let unexpected = || format!("unexpected mode text: {text}");
    let inside = text.split_once('(').and_then(|(_, rest)| rest.split_once(')')).map(|(inside, _)| inside);
    let values: Result<Vec<f64>, _> =
        inside.ok_or_else(unexpected)?.split(", ").filter(|v| !v.is_empty()).map(str::parse::<f64>).collect();
    let count = text.split_once("appeared ").and_then(|(_, rest)| rest.split(' ').next()).and_then(|n| n.parse().ok());
    Ok((values.map_err(|_| unexpected())?, count.ok_or_else(unexpected)?))
}

export!(Task);
