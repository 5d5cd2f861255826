//! Arbitrary JSON from fuzz bytes: every shape, with the numbers and strings parsers
//! trip on (huge integers, `-0`, `1e308`, lone surrogate escapes, control characters,
//! kebab and snake names), bounded in depth and width.

use arbitrary::{Result, Unstructured};
use serde_json::{Map, Number, Value};

/// Strings worth trying where a name or a value is expected.
pub const STRINGS: &[&str] = &[
    "",
    "a",
    "tag",
    "value",
    "ok",
    "err",
    "some",
    "none",
    "NaN",
    "Infinity",
    "-Infinity",
    "x",
    "a-b",
    "a_b",
    "é",
    "\u{1F600}",
    "\0",
    "\u{7f}",
    "\u{202e}",
    "../../etc/passwd",
    "text",
    "image",
    "type",
    "mime_type",
    "data",
];

/// An arbitrary JSON value at most `depth` levels deep.
///
/// # Errors
///
/// When the bytes run out in a way `arbitrary` reports.
pub fn value(u: &mut Unstructured<'_>, depth: u32) -> Result<Value> {
    let kinds = if depth == 0 { 5 } else { 7 };
    Ok(match u.choose_index(kinds)? {
        0 => Value::Null,
        1 => Value::Bool(u.arbitrary()?),
        2 => Value::Number(number(u)?),
        3 | 4 => Value::String(string(u)?),
        5 => {
            let len = u.int_in_range(0..=4)?;
            Value::Array((0..len).map(|_| value(u, depth - 1)).collect::<Result<_>>()?)
        }
        _ => {
            let len = u.int_in_range(0..=4)?;
            let mut object = Map::new();
            for _ in 0..len {
                object.insert(string(u)?, value(u, depth - 1)?);
            }
            Value::Object(object)
        }
    })
}

/// A JSON number: small, at an integer type's edge, far out of range, or a float.
///
/// # Errors
///
/// As [`value`].
pub fn number(u: &mut Unstructured<'_>) -> Result<Number> {
    const EDGES: &[i64] = &[
        0,
        1,
        -1,
        127,
        128,
        -128,
        -129,
        255,
        256,
        32_767,
        32_768,
        -32_769,
        65_535,
        65_536,
        2_147_483_647,
        2_147_483_648,
        -2_147_483_649,
        4_294_967_295,
        4_294_967_296,
        i64::MIN,
        i64::MAX,
    ];
    Ok(match u.choose_index(5)? {
        0 => Number::from(u.int_in_range(-3_i64..=300)?),
        1 => Number::from(*u.choose(EDGES)?),
        2 => Number::from(u.arbitrary::<u64>()?),
        3 => Number::from(u.arbitrary::<i64>()?),
        _ => {
            const FLOATS: &[f64] =
                &[0.5, -0.0, 1e308, -1e308, 5e-324, 1.5, 3.4e38, 3.5e38, 1e19, 18_446_744_073_709_551_616.0];
            let float = if u.arbitrary()? { *u.choose(FLOATS)? } else { u.arbitrary::<f64>()? };
            Number::from_f64(float).unwrap_or_else(|| Number::from(0))
        }
    })
}

/// A string: one of [`STRINGS`], one character, or arbitrary text.
///
/// # Errors
///
/// As [`value`].
pub fn string(u: &mut Unstructured<'_>) -> Result<String> {
    Ok(match u.choose_index(4)? {
        0 | 1 => (*u.choose(STRINGS)?).to_owned(),
        2 => u.arbitrary::<char>()?.to_string(),
        _ => {
            let len = u.int_in_range(0..=16)?;
            (0..len).map(|_| u.arbitrary::<char>()).collect::<Result<String>>()?
        }
    })
}
