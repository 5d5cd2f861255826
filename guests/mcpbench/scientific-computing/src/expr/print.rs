//! Printing in the usual notation: `2*x*y + z**2`, `x - 2*y`, `-sin(x)/(2*y)`,
//! `sqrt(x**2 + 1)`, `3*x/2`.

use std::fmt;

use super::{Constant, Expr, Num};

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&show(self))
    }
}

fn show(e: &Expr) -> String {
    match e {
        Expr::Num(n) => n.to_string(),
        Expr::Var(v) => v.name().into(),
        Expr::Const(Constant::Pi) => "pi".into(),
        Expr::Const(Constant::E) => "E".into(),
        Expr::Add(terms) => show_sum(terms),
        Expr::Mul(_) | Expr::Pow(..) => show_product(e),
        Expr::Call(func, arg) => format!("{}({})", func.name(), show(arg)),
    }
}

fn show_sum(terms: &[Expr]) -> String {
    let mut out = String::new();
    for (i, t) in terms.iter().enumerate() {
        let (coeff, _) = t.split_coeff();
        if coeff.is_negative() {
            let positive = super::neg(t.clone());
            out.push_str(if i == 0 { "-" } else { " - " });
            out.push_str(&show_term_after_sign(&positive));
        } else {
            if i > 0 {
                out.push_str(" + ");
            }
            out.push_str(&show(t));
        }
    }
    out
}

/// A term printed after a minus sign: a sum would need parentheses (it never is one).
fn show_term_after_sign(t: &Expr) -> String {
    match t {
        Expr::Add(_) => format!("({})", show(t)),
        _ => show(t),
    }
}

/// A product (or a lone power) as numerator/denominator.
fn show_product(e: &Expr) -> String {
    let factors: Vec<Expr> = match e {
        Expr::Mul(fs) => fs.clone(),
        other => vec![other.clone()],
    };
    let mut sign = "";
    let mut numer: Vec<String> = Vec::new();
    let mut denom: Vec<String> = Vec::new();
    for f in &factors {
        match f {
            Expr::Num(Num::Rat(n, d)) => {
                if *n < 0 {
                    sign = "-";
                }
                if n.unsigned_abs() != 1 {
                    numer.push(n.unsigned_abs().to_string());
                }
                if *d != 1 {
                    denom.push(d.to_string());
                }
            }
            Expr::Num(n @ Num::Float(x)) => {
                if *x < 0.0 {
                    sign = "-";
                    numer.push(n.neg().to_string());
                } else {
                    numer.push(n.to_string());
                }
            }
            Expr::Pow(b, x) if x.as_num().is_some_and(Num::is_negative) => {
                let positive = x.as_num().map(Num::neg).unwrap_or(Num::ONE);
                denom.push(show_power(b, &Expr::Num(positive)));
            }
            Expr::Pow(b, x) => numer.push(show_power(b, x)),
            Expr::Add(_) => numer.push(format!("({})", show(f))),
            other => numer.push(show(other)),
        }
    }
    let top = if numer.is_empty() { "1".to_owned() } else { numer.join("*") };
    let bottom = match denom.len() {
        0 => return format!("{sign}{top}"),
        1 => denom.join(""),
        _ => format!("({})", denom.join("*")),
    };
    format!("{sign}{top}/{bottom}")
}

fn show_power(base: &Expr, exp: &Expr) -> String {
    if exp.as_num() == Some(Num::HALF) {
        return format!("sqrt({})", show(base));
    }
    if exp.as_num() == Some(Num::ONE) {
        return atom(base);
    }
    let exp_text = match exp {
        Expr::Num(Num::Rat(n, 1)) if *n >= 0 => n.to_string(),
        Expr::Num(Num::Float(x)) if *x >= 0.0 => exp.to_string(),
        Expr::Var(_) | Expr::Const(_) | Expr::Call(..) => show(exp),
        _ => format!("({})", show(exp)),
    };
    format!("{}**{exp_text}", atom(base))
}

/// `e` as the base of a power: parenthesised unless it is a symbol, a call or a
/// non-negative integer.
fn atom(e: &Expr) -> String {
    match e {
        Expr::Var(_) | Expr::Const(_) | Expr::Call(..) => show(e),
        Expr::Num(Num::Rat(n, 1)) if *n >= 0 => show(e),
        Expr::Num(Num::Float(x)) if *x >= 0.0 => show(e),
        _ => format!("({})", show(e)),
    }
}
