//! The computations behind the functions, with JavaScript's semantics where they differ
//! from Rust's (rounding, `Math.min` of nothing, `Map` key equality).

use crate::js_number;

/// JavaScript's `Math.round`: the nearest integer, halves toward +∞ (-2.5 gives -2).
pub fn round(x: f64) -> f64 {
    if !x.is_finite() {
        return x;
    }
    let floor = x.floor();
    // `x - floor` is exact for every finite double.
    let rounded = if x - floor >= 0.5 { floor + 1.0 } else { floor };
    no_negative_zero(rounded)
}

/// 0 for -0 (JavaScript prints both as "0"; JSON would show "-0.0").
pub fn no_negative_zero(x: f64) -> f64 {
    if x == 0.0 { 0.0 } else { x }
}

/// The mean, or none for an empty list.
pub fn mean(numbers: &[f64]) -> Option<f64> {
    if numbers.is_empty() {
        return None;
    }
    let sum = numbers.iter().fold(0.0, |acc, n| acc + n);
    Some(sum / numbers.len() as f64)
}

/// The median in numeric order, or none for an empty list.
pub fn median(numbers: &[f64]) -> Option<f64> {
    let mut sorted = numbers.to_vec();
    sorted.sort_by(f64::total_cmp);
    let middle = sorted.len() / 2;
    if sorted.len() % 2 == 1 {
        sorted.get(middle).copied()
    } else {
        let upper = sorted.get(middle)?;
        let lower = sorted.get(middle.checked_sub(1)?)?;
        Some((lower + upper) / 2.0)
    }
}

/// The original's mode text: "Entries (a, b) appeared n times", the most frequent values in
/// first-seen order. Keys compare as a JavaScript `Map`'s do (0 equals -0, NaN equals NaN).
pub fn mode(numbers: &[f64]) -> String {
    let same = |a: f64, b: f64| a == b || (a.is_nan() && b.is_nan());
    let mut counts: Vec<(f64, usize)> = Vec::new();
    for &n in numbers {
        match counts.iter_mut().find(|(k, _)| same(*k, n)) {
            Some((_, count)) => *count += 1,
            None => counts.push((n, 1)),
        }
    }
    let most = counts.iter().map(|(_, c)| *c).max().unwrap_or(0);
    let entries: Vec<String> =
        counts.iter().filter(|(_, c)| *c == most).map(|(k, _)| js_number::to_string(*k)).collect();
    format!("Entries ({}) appeared {most} times", entries.join(", "))
}

/// JavaScript's `Math.min(...numbers)`: "Infinity" for none, NaN if any is NaN.
pub fn min(numbers: &[f64]) -> f64 {
    numbers.iter().fold(f64::INFINITY, |acc, &n| if n.is_nan() || acc.is_nan() { f64::NAN } else { acc.min(n) })
}

/// JavaScript's `Math.max(...numbers)`: "-Infinity" for none, NaN if any is NaN.
pub fn max(numbers: &[f64]) -> f64 {
    numbers.iter().fold(f64::NEG_INFINITY, |acc, &n| if n.is_nan() || acc.is_nan() { f64::NAN } else { acc.max(n) })
}
