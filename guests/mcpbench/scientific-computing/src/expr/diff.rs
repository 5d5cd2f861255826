//! Symbolic differentiation.

use super::{Expr, Func, Num, Var, add, call, div, mul, neg, pow, sub};

/// The partial derivative of `e` with respect to `v`, simplified.
pub fn diff(e: &Expr, v: Var) -> Expr {
    if !e.has_var(v) {
        return Expr::int(0);
    }
    match e {
        Expr::Num(_) | Expr::Const(_) => Expr::int(0),
        Expr::Var(w) => Expr::int(i64::from(*w == v)),
        Expr::Add(terms) => add(terms.iter().map(|t| diff(t, v)).collect()),
        Expr::Mul(factors) => {
            let mut terms = Vec::new();
            for (i, f) in factors.iter().enumerate() {
                let d = diff(f, v);
                if d.is_zero() {
                    continue;
                }
                let mut product: Vec<Expr> = factors.clone();
                if let Some(slot) = product.get_mut(i) {
                    *slot = d;
                }
                terms.push(mul(product));
            }
            add(terms)
        }
        Expr::Pow(base, exp) => {
            let (b, x) = (&**base, &**exp);
            let db = diff(b, v);
            let dx = diff(x, v);
            if dx.is_zero() {
                // d(b^x) = x * b^(x-1) * db
                mul(vec![x.clone(), pow(b.clone(), add(vec![x.clone(), Expr::int(-1)])), db])
            } else if db.is_zero() {
                // d(b^x) = b^x * log(b) * dx
                mul(vec![e.clone(), call(Func::Log, b.clone()), dx])
            } else {
                let inner = add(vec![
                    mul(vec![dx, call(Func::Log, b.clone())]),
                    mul(vec![x.clone(), db, div(Expr::int(1), b.clone())]),
                ]);
                mul(vec![e.clone(), inner])
            }
        }
        Expr::Call(f, arg) => {
            let a = (**arg).clone();
            let da = diff(&a, v);
            if da.is_zero() {
                return Expr::int(0);
            }
            mul(vec![outer(*f, a), da])
        }
    }
}

/// The derivative of `f` at `a` (the outer part of the chain rule).
fn outer(f: Func, a: Expr) -> Expr {
    let one = || Expr::int(1);
    let square = |a: &Expr| pow(a.clone(), Expr::int(2));
    let inv_sqrt = |a: Expr| pow(a, Expr::Num(Num::Rat(-1, 2)));
    match f {
        Func::Sin => call(Func::Cos, a),
        Func::Cos => neg(call(Func::Sin, a)),
        Func::Tan => add(vec![square(&call(Func::Tan, a)), one()]),
        Func::Asin => inv_sqrt(sub(one(), square(&a))),
        Func::Acos => neg(inv_sqrt(sub(one(), square(&a)))),
        Func::Atan => pow(add(vec![square(&a), one()]), Expr::int(-1)),
        Func::Sinh => call(Func::Cosh, a),
        Func::Cosh => call(Func::Sinh, a),
        Func::Tanh => sub(one(), square(&call(Func::Tanh, a))),
        Func::Exp => call(Func::Exp, a),
        Func::Log => pow(a, Expr::int(-1)),
        Func::Abs => div(a.clone(), call(Func::Abs, a)),
    }
}
