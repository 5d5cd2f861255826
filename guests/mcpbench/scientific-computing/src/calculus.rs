//! Vector calculus in Cartesian x, y, z on top of [`crate::expr`]: gradient,
//! divergence, curl, Laplacian and directional derivative, as plain strings.

use crate::expr::{Expr, Num, Var, add, div, mul, parse, pow};

/// A vector field: three component expressions.
pub type Field = [Expr; 3];

/// Parses a scalar field.
pub fn scalar(text: &str) -> Result<Expr, String> {
    parse(text).map_err(|e| format!("cannot parse the expression '{}': {e}", shorten(text)))
}

/// `text` for an error message, cut if long.
fn shorten(text: &str) -> String {
    if text.chars().count() <= 80 {
        text.to_owned()
    } else {
        format!("{}…", text.chars().take(79).collect::<String>())
    }
}

/// Parses a vector field written `[Fx, Fy, Fz]` (brackets or parentheses optional).
pub fn field(text: &str) -> Result<Field, String> {
    let trimmed = text.trim();
    let inner = strip_outer(trimmed).unwrap_or(trimmed);
    let parts = split_top_level(inner);
    let [fx, fy, fz] = parts.as_slice() else {
        return Err(format!(
            "a vector field needs exactly three components written as \"[Fx, Fy, Fz]\", got {} in '{}'",
            parts.len(),
            shorten(text)
        ));
    };
    let component =
        |s: &str, name: &str| parse(s).map_err(|e| format!("cannot parse the {name} component '{}': {e}", s.trim()));
    Ok([component(fx, "x")?, component(fy, "y")?, component(fz, "z")?])
}

/// The text inside one pair of brackets or parentheses enclosing all of `s`.
fn strip_outer(s: &str) -> Option<&str> {
    let close = match s.chars().next()? {
        '[' => ']',
        '(' => ')',
        _ => return None,
    };
    if !s.ends_with(close) {
        return None;
    }
    let inner = s.get(1..s.len() - 1)?;
    // `(x+1)*(y)` starts and ends with parentheses that do not enclose it all.
    let mut depth = 0i32;
    for c in inner.chars() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => {
                depth -= 1;
                if depth < 0 {
                    return None;
                }
            }
            _ => {}
        }
    }
    Some(inner)
}

/// Splits at the commas outside parentheses.
fn split_top_level(s: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(s.get(start..i).unwrap_or_default());
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(s.get(start..).unwrap_or_default());
    parts
}

/// `[a, b, c]`
pub fn show_vector(v: &[Expr]) -> String {
    let parts: Vec<String> = v.iter().map(ToString::to_string).collect();
    format!("[{}]", parts.join(", "))
}

/// ∇f = [∂f/∂x, ∂f/∂y, ∂f/∂z]
pub fn gradient(f: &Expr) -> Field {
    Var::ALL.map(|v| f.diff(v))
}

/// ∇·F = ∂Fx/∂x + ∂Fy/∂y + ∂Fz/∂z
pub fn divergence(field: &Field) -> Expr {
    add(field.iter().zip(Var::ALL).map(|(c, v)| c.diff(v)).collect())
}

/// ∇×F = [∂Fz/∂y − ∂Fy/∂z, ∂Fx/∂z − ∂Fz/∂x, ∂Fy/∂x − ∂Fx/∂y]
pub fn curl(field: &Field) -> Field {
    let [fx, fy, fz] = field;
    let d = |a: &Expr, v: Var, b: &Expr, w: Var| crate::expr::sub(a.diff(v), b.diff(w));
    [d(fz, Var::Y, fy, Var::Z), d(fx, Var::Z, fz, Var::X), d(fy, Var::X, fx, Var::Y)]
}

/// ∇²f = ∂²f/∂x² + ∂²f/∂y² + ∂²f/∂z²
pub fn laplacian(f: &Expr) -> Expr {
    add(Var::ALL.iter().map(|v| f.diff(*v).diff(*v)).collect())
}

/// ∇f · u, with `u` normalised to unit length when `unit` is set.
pub fn directional(f: &Expr, u: &[f64], unit: bool) -> Result<Expr, String> {
    let [a, b, c] = u else {
        return Err(format!("the direction u needs exactly three components (x, y, z), got {}", u.len()));
    };
    if !(a.is_finite() && b.is_finite() && c.is_finite()) {
        return Err("the direction u must be finite".into());
    }
    let mut direction: Vec<Expr> = [*a, *b, *c].iter().map(|x| Expr::Num(Num::from_f64(*x))).collect();
    if unit {
        let norm_sq = add(direction.iter().map(|d| pow(d.clone(), Expr::int(2))).collect());
        if norm_sq.is_zero() {
            return Err("the direction u is the zero vector, which cannot be normalised".into());
        }
        let norm = pow(norm_sq, Expr::Num(Num::HALF));
        // An exact norm keeps exact components (3/5, 4/5); otherwise use floats.
        let norm = match norm {
            Expr::Num(n) => Expr::Num(n),
            _ => Expr::Num(Num::Float(a.hypot(*b).hypot(*c))),
        };
        direction = direction.into_iter().map(|d| div(d, norm.clone())).collect();
    }
    let grad = gradient(f);
    Ok(add(grad.into_iter().zip(direction).map(|(g, d)| mul(vec![d, g])).collect()))
}

/// The values of `exprs` at `point`, which must have three coordinates; an error
/// names the first component that is undefined there.
pub fn values_at(exprs: &[Expr], point: &[f64], what: &str) -> Result<Vec<f64>, String> {
    let [x, y, z] = point else {
        return Err(format!("the point needs exactly three coordinates (x, y, z), got {}", point.len()));
    };
    let p = [*x, *y, *z];
    exprs
        .iter()
        .map(|e| {
            let v = e.eval(p);
            if v.is_finite() {
                Ok(v)
            } else {
                Err(format!("the {what} {e} is not defined (not finite) at ({x}, {y}, {z})"))
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(s: &str) -> Field {
        field(s).unwrap_or([Expr::int(0), Expr::int(0), Expr::int(0)])
    }

    #[test]
    fn fields_parse() {
        assert_eq!(show_vector(&f("[x*y, y*z, z*x]")), "[x*y, y*z, x*z]");
        assert_eq!(show_vector(&f("x, y, z")), "[x, y, z]");
        assert_eq!(show_vector(&f("[sin(x), cos(y), atan(z)]")), "[sin(x), cos(y), atan(z)]");
        assert!(field("[x, y]").is_err());
        assert!(field("(x+1)*(y)").is_err());
    }

    #[test]
    fn operators() {
        let s = scalar("x^2*y + y*z^2").unwrap_or(Expr::int(0));
        assert_eq!(show_vector(&gradient(&s)), "[2*x*y, x**2 + z**2, 2*y*z]");
        assert_eq!(laplacian(&s).to_string(), "4*y");
        assert_eq!(divergence(&f("[x*y, y*z, z*x]")).to_string(), "x + y + z");
        assert_eq!(show_vector(&curl(&f("[x*y, y*z, z*x]"))), "[-y, -z, -x]");
        assert_eq!(show_vector(&curl(&f("[-y, x, 0]"))), "[0, 0, 2]");
        let dd = directional(&s, &[3.0, 4.0, 0.0], true).map(|e| e.to_string());
        assert_eq!(dd, Ok("4*x**2/5 + 6*x*y/5 + 4*z**2/5".to_string()));
        let dd = directional(&s, &[1.0, 0.0, 0.0], false).map(|e| e.to_string());
        assert_eq!(dd, Ok("2*x*y".to_string()));
        assert!(directional(&s, &[0.0, 0.0, 0.0], true).is_err());
        let v = values_at(&curl(&f("[x*y, y*z, z*x]")), &[1.0, 2.0, 3.0], "curl");
        assert_eq!(v, Ok(vec![-2.0, -3.0, -1.0]));
    }
}
