//! A small computer-algebra core for expressions in x, y and z: parsing, automatic
//! simplification (every expression is built through the constructors of
//! [`simplify`], so it is always in canonical form), symbolic differentiation,
//! printing and numeric evaluation. Pure logic, free of the component bindings.

mod diff;
mod number;
mod parse;
mod print;
mod simplify;

use std::cmp::Ordering;

pub use number::Num;
pub use parse::parse;
pub use simplify::{add, call, div, mul, neg, pow, sub};

/// One of the three coordinates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Var {
    X,
    Y,
    Z,
}

impl Var {
    pub const ALL: [Var; 3] = [Var::X, Var::Y, Var::Z];

    pub fn name(self) -> &'static str {
        match self {
            Var::X => "x",
            Var::Y => "y",
            Var::Z => "z",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// A named constant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Constant {
    Pi,
    E,
}

/// A function of one argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Func {
    Sin,
    Cos,
    Tan,
    Asin,
    Acos,
    Atan,
    Sinh,
    Cosh,
    Tanh,
    Exp,
    Log,
    Abs,
}

impl Func {
    /// Names accepted in input (`sqrt` is a power, handled by the parser).
    pub const NAMES: [(&'static str, Func); 14] = [
        ("sin", Func::Sin),
        ("cos", Func::Cos),
        ("tan", Func::Tan),
        ("asin", Func::Asin),
        ("acos", Func::Acos),
        ("atan", Func::Atan),
        ("sinh", Func::Sinh),
        ("cosh", Func::Cosh),
        ("tanh", Func::Tanh),
        ("exp", Func::Exp),
        ("log", Func::Log),
        ("ln", Func::Log),
        ("abs", Func::Abs),
        ("Abs", Func::Abs),
    ];

    pub fn name(self) -> &'static str {
        match self {
            Func::Sin => "sin",
            Func::Cos => "cos",
            Func::Tan => "tan",
            Func::Asin => "asin",
            Func::Acos => "acos",
            Func::Atan => "atan",
            Func::Sinh => "sinh",
            Func::Cosh => "cosh",
            Func::Tanh => "tanh",
            Func::Exp => "exp",
            Func::Log => "log",
            Func::Abs => "abs",
        }
    }

    pub fn apply(self, x: f64) -> f64 {
        match self {
            Func::Sin => x.sin(),
            Func::Cos => x.cos(),
            Func::Tan => x.tan(),
            Func::Asin => x.asin(),
            Func::Acos => x.acos(),
            Func::Atan => x.atan(),
            Func::Sinh => x.sinh(),
            Func::Cosh => x.cosh(),
            Func::Tanh => x.tanh(),
            Func::Exp => x.exp(),
            Func::Log => x.ln(),
            Func::Abs => x.abs(),
        }
    }
}

/// An expression in canonical form (build it with the constructors, not directly).
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Num(Num),
    Var(Var),
    Const(Constant),
    /// A sum of at least two terms, none of them a sum, at most one number (last).
    Add(Vec<Expr>),
    /// A product of at least two factors, none a product, at most one number (first).
    Mul(Vec<Expr>),
    Pow(Box<Expr>, Box<Expr>),
    Call(Func, Box<Expr>),
}

impl Expr {
    pub fn int(n: i64) -> Expr {
        Expr::Num(Num::int(n))
    }

    pub fn as_num(&self) -> Option<Num> {
        match self {
            Expr::Num(n) => Some(*n),
            _ => None,
        }
    }

    pub fn is_zero(&self) -> bool {
        self.as_num().is_some_and(Num::is_zero)
    }

    /// The value at the point `(x, y, z)` (NaN or infinite where undefined).
    pub fn eval(&self, p: [f64; 3]) -> f64 {
        match self {
            Expr::Num(n) => n.to_f64(),
            Expr::Var(v) => p.get(v.index()).copied().unwrap_or(f64::NAN),
            Expr::Const(Constant::Pi) => std::f64::consts::PI,
            Expr::Const(Constant::E) => std::f64::consts::E,
            Expr::Add(terms) => terms.iter().map(|t| t.eval(p)).sum(),
            Expr::Mul(factors) => factors.iter().map(|f| f.eval(p)).product(),
            Expr::Pow(b, e) => {
                let base = b.eval(p);
                match e.as_num().and_then(Num::as_int).and_then(|i| i32::try_from(i).ok()) {
                    Some(i) => base.powi(i),
                    None => base.powf(e.eval(p)),
                }
            }
            Expr::Call(f, a) => f.apply(a.eval(p)),
        }
    }

    /// Whether the expression mentions `v`.
    pub fn has_var(&self, v: Var) -> bool {
        match self {
            Expr::Var(w) => *w == v,
            Expr::Num(_) | Expr::Const(_) => false,
            Expr::Add(xs) | Expr::Mul(xs) => xs.iter().any(|x| x.has_var(v)),
            Expr::Pow(b, e) => b.has_var(v) || e.has_var(v),
            Expr::Call(_, a) => a.has_var(v),
        }
    }

    /// The partial derivative with respect to `v`.
    pub fn diff(&self, v: Var) -> Expr {
        diff::diff(self, v)
    }

    /// The coefficient and the rest of a term: `3*x*y` -> (3, `x*y`).
    pub fn split_coeff(&self) -> (Num, Expr) {
        match self {
            Expr::Num(n) => (*n, Expr::int(1)),
            Expr::Mul(factors) => match factors.split_first() {
                Some((Expr::Num(c), rest)) => {
                    let rest = match rest {
                        [single] => single.clone(),
                        _ => Expr::Mul(rest.to_vec()),
                    };
                    (*c, rest)
                }
                _ => (Num::ONE, self.clone()),
            },
            _ => (Num::ONE, self.clone()),
        }
    }

    /// Base and exponent: `x^2` -> (x, 2), `x` -> (x, 1).
    pub fn split_pow(&self) -> (Expr, Expr) {
        match self {
            Expr::Pow(b, e) => ((**b).clone(), (**e).clone()),
            _ => (self.clone(), Expr::int(1)),
        }
    }

    fn kind_rank(&self) -> u8 {
        match self {
            Expr::Num(_) => 0,
            Expr::Const(_) => 1,
            Expr::Var(_) => 2,
            Expr::Pow(..) => 3,
            Expr::Mul(_) => 4,
            Expr::Call(..) => 5,
            Expr::Add(_) => 6,
        }
    }

    /// The exponents of x, y and z in a term (for ordering sums like polynomials).
    fn degrees(&self) -> [f64; 3] {
        let mut d = [0.0; 3];
        let mut note = |f: &Expr| {
            let (base, exp) = f.split_pow();
            if let (Expr::Var(v), Some(e)) = (base, exp.as_num())
                && let Some(slot) = d.get_mut(v.index())
            {
                *slot += e.to_f64();
            }
        };
        match self {
            Expr::Mul(factors) => factors.iter().for_each(&mut note),
            other => note(other),
        }
        d
    }
}

/// The order of factors in a product: numbers, constants, then by base.
pub fn factor_order(a: &Expr, b: &Expr) -> Ordering {
    let (ba, ea) = a.split_pow();
    let (bb, eb) = b.split_pow();
    structural(&ba, &bb).then_with(|| structural(&ea, &eb))
}

/// The order of terms in a sum: by degree in x, then y, then z (highest first), then
/// by how they print; numbers last.
pub fn term_order(a: &Expr, b: &Expr) -> Ordering {
    let (na, nb) = (a.as_num().is_some(), b.as_num().is_some());
    if na != nb {
        return na.cmp(&nb);
    }
    let (da, db) = (a.degrees(), b.degrees());
    for (x, y) in da.iter().zip(db.iter()) {
        match y.total_cmp(x) {
            Ordering::Equal => {}
            other => return other,
        }
    }
    a.split_coeff().1.to_string().cmp(&b.split_coeff().1.to_string()).then_with(|| structural(a, b))
}

/// A total structural order, used to sort factors and to break ties.
pub fn structural(a: &Expr, b: &Expr) -> Ordering {
    match (a, b) {
        (Expr::Num(x), Expr::Num(y)) => x.total_cmp(y),
        (Expr::Var(x), Expr::Var(y)) => x.cmp(y),
        (Expr::Const(x), Expr::Const(y)) => x.cmp(y),
        (Expr::Add(xs), Expr::Add(ys)) | (Expr::Mul(xs), Expr::Mul(ys)) => {
            for (x, y) in xs.iter().zip(ys.iter()) {
                match structural(x, y) {
                    Ordering::Equal => {}
                    other => return other,
                }
            }
            xs.len().cmp(&ys.len())
        }
        (Expr::Pow(b1, e1), Expr::Pow(b2, e2)) => structural(b1, b2).then_with(|| structural(e1, e2)),
        (Expr::Call(f, x), Expr::Call(g, y)) => f.cmp(g).then_with(|| structural(x, y)),
        _ => a.kind_rank().cmp(&b.kind_rank()),
    }
}

#[cfg(test)]
mod tests;
