//! SVG plots (drawn with plotters' SVG backend, no fonts loaded: text is left to the
//! viewer) and the plain-text summaries that go with them.

mod field;
mod function;

pub use field::vector_field;
pub use function::function;

use plotters::style::RGBColor;

/// A plot: the SVG image and a text summary of the data in it.
pub struct Plot {
    pub svg: String,
    pub summary: String,
}

/// `n` evenly spaced values from `a` to `b` (numpy `linspace`; `[a]` for n = 1).
pub fn linspace(a: f64, b: f64, n: usize) -> Vec<f64> {
    match n {
        0 => Vec::new(),
        1 => vec![a],
        _ => (0..n).map(|i| a + (b - a) * i as f64 / (n - 1) as f64).collect(),
    }
}

/// A number with 6 significant digits, like C's `%g`.
pub fn g(v: f64) -> String {
    if !v.is_finite() {
        return v.to_string();
    }
    if v == 0.0 {
        return "0".into();
    }
    let exp = v.abs().log10().floor() as i32;
    if !(-4..6).contains(&exp) {
        let s = format!("{v:.5e}");
        let (mantissa, e) = s.split_once('e').unwrap_or((&s, "0"));
        let mantissa = trim_zeros(mantissa);
        return format!("{mantissa}e{e}");
    }
    let decimals = usize::try_from(5 - exp).unwrap_or(0);
    trim_zeros(&format!("{v:.decimals$}"))
}

fn trim_zeros(s: &str) -> String {
    if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_owned() } else { s.to_owned() }
}

/// A short caption: long expressions are cut.
pub fn caption(text: &str) -> String {
    if text.chars().count() <= 70 {
        text.to_owned()
    } else {
        format!("{}…", text.chars().take(69).collect::<String>())
    }
}

/// A sequential colour map (viridis-like) at `t` in [0, 1].
pub fn sequential(t: f64) -> RGBColor {
    const STOPS: [(f64, f64, f64); 5] =
        [(68.0, 1.0, 84.0), (59.0, 82.0, 139.0), (33.0, 145.0, 140.0), (94.0, 201.0, 98.0), (253.0, 231.0, 37.0)];
    let t = if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.0 };
    let pos = t * (STOPS.len() - 1) as f64;
    let i = (pos.floor() as usize).min(STOPS.len() - 2);
    let f = pos - i as f64;
    let (a, b) = (STOPS.get(i).copied().unwrap_or(STOPS[0]), STOPS.get(i + 1).copied().unwrap_or(STOPS[4]));
    let mix = |x: f64, y: f64| (x + (y - x) * f).round().clamp(0.0, 255.0) as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// A diverging colour map at `t` in [-1, 1]: blue, grey at 0, red.
pub fn diverging(t: f64) -> RGBColor {
    let t = if t.is_finite() { t.clamp(-1.0, 1.0) } else { 0.0 };
    let grey = 150.0;
    let (target, f) = if t < 0.0 { ((33.0, 102.0, 172.0), -t) } else { ((178.0, 24.0, 43.0), t) };
    let mix = |x: f64, y: f64| (x + (y - x) * f).round().clamp(0.0, 255.0) as u8;
    RGBColor(mix(grey, target.0), mix(grey, target.1), mix(grey, target.2))
}

/// Parses a list of numbers written like `[-1, 1, -1, 1]`, `(0, 2)` or `0 2`.
pub fn numbers(text: &str, what: &str) -> Result<Vec<f64>, String> {
    let cleaned: String = text.chars().map(|c| if "[](){}".contains(c) { ' ' } else { c }).collect();
    cleaned
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| format!("{what}: '{s}' is not a number (in '{text}')"))
        })
        .collect()
}

fn plot_error(e: impl std::fmt::Display) -> String {
    format!("drawing the plot failed: {e}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(g(1.0), "1");
        assert_eq!(g(0.1), "0.1");
        assert_eq!(g(-2.5), "-2.5");
        assert_eq!(g(1234567.0), "1.23457e6");
        assert_eq!(g(0.00001234), "1.234e-5");
        assert_eq!(g(std::f64::consts::PI), "3.14159");
        assert_eq!(linspace(-1.0, 1.0, 3), vec![-1.0, 0.0, 1.0]);
        assert_eq!(numbers("[-1, 1, -2, 2.5]", "bounds"), Ok(vec![-1.0, 1.0, -2.0, 2.5]));
        assert!(numbers("[a, 1]", "bounds").is_err());
    }

    #[test]
    fn plots() {
        let e = crate::calculus::scalar("sin(x)").unwrap_or(crate::expr::Expr::int(0));
        let p = function(&e, [-5.0, 5.0], [-5.0, 5.0], 200);
        let p = p.unwrap_or(Plot { svg: String::new(), summary: String::new() });
        assert!(p.svg.starts_with("<svg"));
        assert!(p.summary.contains("200 samples"), "{}", p.summary);
        let e = crate::calculus::scalar("exp(-x^2-y^2)").unwrap_or(crate::expr::Expr::int(0));
        let p =
            function(&e, [-2.0, 2.0], [-2.0, 2.0], 200).unwrap_or(Plot { svg: String::new(), summary: String::new() });
        assert!(p.svg.len() < 200_000, "{}", p.svg.len());
        assert!(p.summary.contains("max"), "{}", p.summary);
        let f = crate::calculus::field("[-y, x, z]").unwrap_or([e.clone(), e.clone(), e]);
        let p = vector_field(&f, [-1.0, 1.0, -1.0, 1.0, -1.0, 1.0], 10)
            .unwrap_or(Plot { svg: String::new(), summary: String::new() });
        assert!(p.svg.starts_with("<svg"));
        assert!(p.summary.contains("10×10×10 = 1000 grid points"), "{}", p.summary);
    }
}
