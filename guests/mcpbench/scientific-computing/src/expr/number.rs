//! Numbers in expressions: exact rationals while they fit in `i64`, floats otherwise.

use std::cmp::Ordering;
use std::fmt;

/// A number: an exact fraction (denominator > 0, reduced) or a float.
#[derive(Debug, Clone, Copy)]
pub enum Num {
    Rat(i64, i64),
    Float(f64),
}

fn gcd(a: i128, b: i128) -> i128 {
    let (mut a, mut b) = (a.abs(), b.abs());
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

impl Num {
    pub const ZERO: Num = Num::Rat(0, 1);
    pub const ONE: Num = Num::Rat(1, 1);
    pub const MINUS_ONE: Num = Num::Rat(-1, 1);
    pub const HALF: Num = Num::Rat(1, 2);

    pub fn int(n: i64) -> Num {
        Num::Rat(n, 1)
    }

    /// The fraction `n/d`, reduced; a float if it does not fit (or `d` is 0).
    pub fn ratio(n: i128, d: i128) -> Num {
        if d == 0 {
            return Num::Float(n as f64 / 0.0);
        }
        let g = gcd(n, d).max(1);
        let (mut n, mut d) = (n / g, d / g);
        if d < 0 {
            n = -n;
            d = -d;
        }
        match (i64::try_from(n), i64::try_from(d)) {
            (Ok(n), Ok(d)) => Num::Rat(n, d),
            _ => Num::Float(n as f64 / d as f64),
        }
    }

    /// A number literal: an integer is exact; a decimal such as `0.25` or `1e-3` is a
    /// float (as in sympy, whose Floats these correspond to).
    pub fn from_decimal(text: &str) -> Option<Num> {
        if text.contains(['.', 'e', 'E']) {
            let value: f64 = text.parse().ok()?;
            return value.is_finite().then_some(Num::Float(value));
        }
        match text.parse::<i64>() {
            Ok(n) => Some(Num::int(n)),
            Err(_) => text.parse::<f64>().ok().filter(|v| v.is_finite()).map(Num::Float),
        }
    }

    /// A JSON number: exact when it is a whole number, else a float.
    pub fn from_f64(x: f64) -> Num {
        if x.fract() == 0.0 && x.abs() < 9.0e15 { Num::int(x as i64) } else { Num::Float(x) }
    }

    pub fn to_f64(self) -> f64 {
        match self {
            Num::Rat(n, d) => n as f64 / d as f64,
            Num::Float(f) => f,
        }
    }

    pub fn is_zero(self) -> bool {
        self.to_f64() == 0.0
    }

    pub fn is_one(self) -> bool {
        matches!(self, Num::Rat(1, 1)) || matches!(self, Num::Float(f) if f == 1.0)
    }

    pub fn is_negative(self) -> bool {
        self.to_f64() < 0.0
    }

    /// The integer value, if this is an exact integer.
    pub fn as_int(self) -> Option<i64> {
        match self {
            Num::Rat(n, 1) => Some(n),
            _ => None,
        }
    }

    pub fn is_exact(self) -> bool {
        matches!(self, Num::Rat(..))
    }

    pub fn neg(self) -> Num {
        self.mul(Num::MINUS_ONE)
    }

    pub fn add(self, other: Num) -> Num {
        match (self, other) {
            (Num::Rat(a, b), Num::Rat(c, d)) => {
                let (a, b, c, d) = (i128::from(a), i128::from(b), i128::from(c), i128::from(d));
                Num::ratio(a * d + c * b, b * d)
            }
            _ => Num::Float(self.to_f64() + other.to_f64()),
        }
    }

    pub fn mul(self, other: Num) -> Num {
        match (self, other) {
            (Num::Rat(a, b), Num::Rat(c, d)) => {
                Num::ratio(i128::from(a) * i128::from(c), i128::from(b) * i128::from(d))
            }
            _ => Num::Float(self.to_f64() * other.to_f64()),
        }
    }

    /// `self ^ other` when the result is a number that can be written exactly (or
    /// either side is a float); `None` when it should stay symbolic, e.g. `2^(1/2)`.
    pub fn pow(self, exp: Num) -> Option<Num> {
        match (self, exp) {
            (Num::Rat(0, _), e) if !e.is_negative() && !e.is_zero() => Some(Num::ZERO),
            (Num::Rat(0, _), _) if exp.is_negative() => None,
            (Num::Rat(n, d), Num::Rat(p, 1)) => rat_powi(n, d, p),
            (Num::Rat(n, d), Num::Rat(p, q)) => {
                // An exact q-th root, e.g. 4^(1/2) = 2, (8/27)^(2/3) = 4/9.
                let root_n = int_root(n, q)?;
                let root_d = int_root(d, q)?;
                rat_powi(root_n, root_d, p)
            }
            (Num::Float(b), e)
                if b < 0.0 && e.as_int().is_none() && !matches!(e, Num::Float(f) if f.fract() == 0.0) =>
            {
                None
            }
            (b, e) => {
                let r = b.to_f64().powf(e.to_f64());
                r.is_finite().then_some(Num::Float(r))
            }
        }
    }
}

fn rat_powi(n: i64, d: i64, p: i64) -> Option<Num> {
    if p.unsigned_abs() > 4096 {
        return Some(Num::Float((n as f64 / d as f64).powf(p as f64))).filter(|x| x.to_f64().is_finite());
    }
    let e = u32::try_from(p.unsigned_abs()).ok()?;
    let (pn, pd) = (i128::from(n).checked_pow(e), i128::from(d).checked_pow(e));
    let result = match (pn, pd) {
        (Some(a), Some(b)) if p >= 0 => Num::ratio(a, b),
        (Some(a), Some(b)) => {
            if a == 0 {
                return None;
            }
            Num::ratio(b, a)
        }
        _ => Num::Float((n as f64 / d as f64).powi(i32::try_from(p).ok()?)),
    };
    result.to_f64().is_finite().then_some(result)
}

/// The exact integer `q`-th root of `n`, if there is one (odd roots of negatives too).
fn int_root(n: i64, q: i64) -> Option<i64> {
    if q <= 0 || q > 64 || (n < 0 && q % 2 == 0) {
        return None;
    }
    let guess = (n.unsigned_abs() as f64).powf(1.0 / q as f64).round() as i64;
    let e = u32::try_from(q).ok()?;
    for candidate in [guess - 1, guess, guess + 1] {
        if candidate >= 0 && i128::from(candidate).checked_pow(e) == Some(i128::from(n.unsigned_abs())) {
            return Some(if n < 0 { -candidate } else { candidate });
        }
    }
    None
}

impl PartialEq for Num {
    fn eq(&self, other: &Num) -> bool {
        match (self, other) {
            (Num::Rat(a, b), Num::Rat(c, d)) => a == c && b == d,
            (Num::Float(a), Num::Float(b)) => a.to_bits() == b.to_bits(),
            _ => false,
        }
    }
}

impl Num {
    /// A total order by value (floats after exact numbers of the same value).
    pub fn total_cmp(&self, other: &Num) -> Ordering {
        self.to_f64().total_cmp(&other.to_f64()).then_with(|| self.is_exact().cmp(&other.is_exact()).reverse())
    }
}

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Num::Rat(n, 1) => write!(f, "{n}"),
            Num::Rat(n, d) => write!(f, "{n}/{d}"),
            Num::Float(x) => write!(f, "{}", fmt_float(*x)),
        }
    }
}

/// A float with at most 15 significant digits (hiding binary rounding noise such as
/// 0.30000000000000004), written as Python would: `2.0`, `0.3`, `1e-7`.
fn fmt_float(x: f64) -> String {
    if x == 0.0 {
        return "0.0".into();
    }
    let rounded: f64 = format!("{x:.14e}").parse().unwrap_or(x);
    format!("{rounded:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals() {
        assert_eq!(Num::from_decimal("0.25"), Some(Num::Float(0.25)));
        assert_eq!(Num::from_decimal("2"), Some(Num::Rat(2, 1)));
        assert_eq!(Num::from_decimal("1e-3"), Some(Num::Float(0.001)));
        assert_eq!(Num::from_f64(3.0), Num::Rat(3, 1));
        assert_eq!(Num::Float(0.1).add(Num::Float(0.2)).to_string(), "0.3");
        assert_eq!(Num::Float(150.0).to_string(), "150.0");
        assert_eq!(Num::Float(1e-7).to_string(), "1e-7");
    }

    #[test]
    fn arithmetic() {
        assert_eq!(Num::Rat(1, 2).add(Num::Rat(1, 3)), Num::Rat(5, 6));
        assert_eq!(Num::Rat(2, 3).mul(Num::Rat(3, 4)), Num::Rat(1, 2));
        assert_eq!(Num::int(4).pow(Num::HALF), Some(Num::int(2)));
        assert_eq!(Num::int(2).pow(Num::HALF), None);
        assert_eq!(Num::int(2).pow(Num::int(-2)), Some(Num::Rat(1, 4)));
        assert_eq!(Num::Rat(8, 27).pow(Num::Rat(2, 3)), Some(Num::Rat(4, 9)));
    }
}
