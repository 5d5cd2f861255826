//! The canonicalising constructors: sums, products, powers and function calls are
//! built only here, so every expression is kept simplified (numbers folded, 0 and 1
//! identities applied, like terms and like factors collected, terms sorted).

use super::{Constant, Expr, Func, Num, factor_order, term_order};

/// `a + b + ...`
pub fn add(terms: Vec<Expr>) -> Expr {
    let mut flat = Vec::new();
    for t in terms {
        match t {
            Expr::Add(inner) => flat.extend(inner),
            other => flat.push(other),
        }
    }
    let mut constant = Num::ZERO;
    let mut groups: Vec<(Expr, Num)> = Vec::new();
    for t in flat {
        if let Expr::Num(n) = t {
            constant = constant.add(n);
            continue;
        }
        let (coeff, rest) = t.split_coeff();
        match groups.iter_mut().find(|(r, _)| *r == rest) {
            Some((_, c)) => *c = c.add(coeff),
            None => groups.push((rest, coeff)),
        }
    }
    let mut out: Vec<Expr> = Vec::new();
    for (rest, coeff) in groups {
        if coeff.is_zero() {
            continue;
        }
        out.push(if coeff.is_one() { rest } else { with_coeff(coeff, rest) });
    }
    if !constant.is_zero() {
        out.push(Expr::Num(constant));
    }
    out.sort_by(term_order);
    match out.len() {
        0 => Expr::Num(Num::ZERO),
        1 => out.pop().unwrap_or(Expr::Num(Num::ZERO)),
        _ => Expr::Add(out),
    }
}

/// `coeff * rest` where `rest` is already canonical and not a number.
fn with_coeff(coeff: Num, rest: Expr) -> Expr {
    match rest {
        Expr::Mul(mut factors) => {
            factors.insert(0, Expr::Num(coeff));
            Expr::Mul(factors)
        }
        Expr::Add(_) => mul(vec![Expr::Num(coeff), rest]),
        other => Expr::Mul(vec![Expr::Num(coeff), other]),
    }
}

/// `a * b * ...`
pub fn mul(factors: Vec<Expr>) -> Expr {
    let mut flat = Vec::new();
    for f in factors {
        match f {
            Expr::Mul(inner) => flat.extend(inner),
            other => flat.push(other),
        }
    }
    let mut coeff = Num::ONE;
    let mut exp_args: Vec<Expr> = Vec::new();
    let mut groups: Vec<(Expr, Vec<Expr>)> = Vec::new();
    for f in flat {
        match f {
            Expr::Num(n) => coeff = coeff.mul(n),
            Expr::Call(Func::Exp, arg) => exp_args.push(*arg),
            other => {
                let (base, exp) = other.split_pow();
                match groups.iter_mut().find(|(b, _)| *b == base) {
                    Some((_, exps)) => exps.push(exp),
                    None => groups.push((base, vec![exp])),
                }
            }
        }
    }
    if coeff.is_zero() {
        return Expr::Num(Num::ZERO);
    }
    let mut out: Vec<Expr> = Vec::new();
    let mut again = false;
    let mut rebuilt: Vec<Expr> = groups
        .into_iter()
        .map(|(base, exps)| if exps.len() == 1 { pow_parts(base, exps) } else { pow(base, add(exps)) })
        .collect();
    match exp_args.len() {
        0 => {}
        1 => rebuilt.push(Expr::Call(Func::Exp, Box::new(exp_args.pop().unwrap_or(Expr::int(0))))),
        _ => rebuilt.push(call(Func::Exp, add(exp_args))),
    }
    for f in rebuilt {
        match f {
            Expr::Num(n) => coeff = coeff.mul(n),
            Expr::Mul(_) => {
                again = true;
                out.push(f);
            }
            other => out.push(other),
        }
    }
    if again {
        out.push(Expr::Num(coeff));
        return mul(out);
    }
    if coeff.is_zero() {
        return Expr::Num(Num::ZERO);
    }
    // A number times a single sum is distributed: 2*(x + 1) -> 2*x + 2.
    if !coeff.is_one()
        && let [Expr::Add(terms)] = out.as_slice()
    {
        return add(terms.iter().map(|t| mul(vec![Expr::Num(coeff), t.clone()])).collect());
    }
    out.sort_by(factor_order);
    if out.is_empty() {
        return Expr::Num(coeff);
    }
    if !coeff.is_one() {
        out.insert(0, Expr::Num(coeff));
    }
    match out.len() {
        1 => out.pop().unwrap_or(Expr::Num(coeff)),
        _ => Expr::Mul(out),
    }
}

/// A group of one factor: rebuilt with `pow` only when it was a power.
fn pow_parts(base: Expr, mut exps: Vec<Expr>) -> Expr {
    let exp = exps.pop().unwrap_or(Expr::int(1));
    if exp == Expr::int(1) { base } else { Expr::Pow(Box::new(base), Box::new(exp)) }
}

/// `base ^ exp`
pub fn pow(base: Expr, exp: Expr) -> Expr {
    let int_exp = exp.as_num().and_then(Num::as_int);
    if exp.is_zero() {
        return Expr::int(1);
    }
    if exp == Expr::int(1) {
        return base;
    }
    match (&base, exp.as_num()) {
        (Expr::Num(b), Some(e)) => {
            if let Some(n) = b.pow(e) {
                return Expr::Num(n);
            }
        }
        (Expr::Num(b), None) if b.is_one() && b.is_exact() => return Expr::int(1),
        (Expr::Const(Constant::E), _) => return call(Func::Exp, exp),
        (Expr::Pow(inner_base, inner_exp), Some(_)) if int_exp.is_some() => {
            return pow((**inner_base).clone(), mul(vec![(**inner_exp).clone(), exp]));
        }
        (Expr::Mul(factors), Some(_)) if int_exp.is_some() => {
            return mul(factors.iter().map(|f| pow(f.clone(), exp.clone())).collect());
        }
        (Expr::Call(Func::Exp, arg), Some(_)) if int_exp.is_some() => {
            return call(Func::Exp, mul(vec![(**arg).clone(), exp]));
        }
        _ => {}
    }
    Expr::Pow(Box::new(base), Box::new(exp))
}

/// `f(arg)`
pub fn call(f: Func, arg: Expr) -> Expr {
    if let Some(n) = arg.as_num() {
        if let Some(value) = exact_value(f, n) {
            return value;
        }
        if !n.is_exact() {
            let v = f.apply(n.to_f64());
            if v.is_finite() {
                return Expr::Num(Num::Float(v));
            }
        }
    }
    match (f, &arg) {
        (Func::Exp, Expr::Call(Func::Log, inner)) => return (**inner).clone(),
        (Func::Log, Expr::Call(Func::Exp, inner)) => return (**inner).clone(),
        _ => {}
    }
    // Odd and even functions take a minus sign out: sin(-x) = -sin(x), cos(-x) = cos(x).
    let (coeff, _) = arg.split_coeff();
    if coeff.is_negative() {
        let positive = neg(arg.clone());
        match f {
            Func::Sin | Func::Tan | Func::Asin | Func::Atan | Func::Sinh | Func::Tanh => {
                return neg(call(f, positive));
            }
            Func::Cos | Func::Cosh | Func::Abs => return call(f, positive),
            _ => {}
        }
    }
    Expr::Call(f, Box::new(arg))
}

/// `f(n)` for the exact arguments with a simple exact value.
fn exact_value(f: Func, n: Num) -> Option<Expr> {
    if f == Func::Abs && n.is_exact() {
        return Some(Expr::Num(if n.is_negative() { n.neg() } else { n }));
    }
    if !n.is_exact() {
        return None;
    }
    if n.is_zero() {
        return match f {
            Func::Cos | Func::Cosh | Func::Exp => Some(Expr::int(1)),
            Func::Acos => Some(mul(vec![Expr::Num(Num::HALF), Expr::Const(Constant::Pi)])),
            Func::Log => None,
            _ => Some(Expr::int(0)),
        };
    }
    if n.is_one() && f == Func::Log {
        return Some(Expr::int(0));
    }
    None
}

/// `-a`
pub fn neg(a: Expr) -> Expr {
    mul(vec![Expr::Num(Num::MINUS_ONE), a])
}

/// `a - b`
pub fn sub(a: Expr, b: Expr) -> Expr {
    add(vec![a, neg(b)])
}

/// `a / b`
pub fn div(a: Expr, b: Expr) -> Expr {
    mul(vec![a, pow(b, Expr::int(-1))])
}
