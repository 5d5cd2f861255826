use super::*;

fn p(s: &str) -> String {
    match parse(s) {
        Ok(e) => e.to_string(),
        Err(e) => format!("error: {e}"),
    }
}

fn d(s: &str, v: Var) -> String {
    match parse(s) {
        Ok(e) => e.diff(v).to_string(),
        Err(e) => format!("error: {e}"),
    }
}

#[test]
fn parses_and_prints() {
    assert_eq!(p("x^2 + 2*x*y + y**2"), "x**2 + 2*x*y + y**2");
    assert_eq!(p("3xy"), "3*x*y");
    assert_eq!(p("2x^2"), "2*x**2");
    assert_eq!(p("x - 2*y"), "x - 2*y");
    assert_eq!(p("-x^2"), "-x**2");
    assert_eq!(p("2(x+1)"), "2*x + 2");
    assert_eq!(p("x sin(y)"), "x*sin(y)");
    assert_eq!(p("sqrt(x^2+1)"), "sqrt(x**2 + 1)");
    assert_eq!(p("1/(x^2+1)"), "1/(x**2 + 1)");
    assert_eq!(p("x/2"), "x/2");
    assert_eq!(p("0.5*x"), "0.5*x");
    assert_eq!(p("2.5*9.81*z + 0.1 + 0.2"), "24.525*z + 0.3");
    assert_eq!(p("x*x*x"), "x**3");
    assert_eq!(p("x + x"), "2*x");
    assert_eq!(p("x - x"), "0");
    assert_eq!(p("e^x"), "exp(x)");
    assert_eq!(p("exp(x)*exp(y)"), "exp(x + y)");
    assert_eq!(p("sin(-x)"), "-sin(x)");
    assert_eq!(p("cos(-x)"), "cos(x)");
    assert_eq!(p("x^2 y"), "x**2*y");
    assert_eq!(p("(x*y)^2"), "x**2*y**2");
    assert_eq!(p("2^3"), "8");
    assert_eq!(p("4^(1/2)"), "2");
    assert_eq!(p("sqrt(2)*sqrt(2)"), "2");
    assert_eq!(p("1.5e2"), "150.0");
    assert_eq!(p("2e-3x"), "0.002*x");
    assert_eq!(p("x/(2*y)"), "x/(2*y)");
    assert_eq!(p("pi*x"), "pi*x");
    assert_eq!(p("exp(-x^2-y^2)"), "exp(-x**2 - y**2)");
    assert_eq!(p("x^-1"), "1/x");
    assert_eq!(p("y^2 + x^2 + z^2 + 1"), "x**2 + y**2 + z**2 + 1");
}

#[test]
fn rejects_bad_input() {
    assert!(p("x +").starts_with("error"));
    assert!(p("a*x").starts_with("error: unknown name 'a'"));
    assert!(p("sin x").starts_with("error"));
    assert!(p("(x").starts_with("error"));
    assert!(p("x $ y").starts_with("error"));
    assert!(p("").starts_with("error"));
    assert!(p(&"(".repeat(500)).starts_with("error"));
}

#[test]
fn differentiates() {
    assert_eq!(d("x^2*y + y*z^2", Var::X), "2*x*y");
    assert_eq!(d("x^2*y + y*z^2", Var::Y), "x**2 + z**2");
    assert_eq!(d("x^2*y + y*z^2", Var::Z), "2*y*z");
    assert_eq!(d("sin(x)*cos(y)", Var::X), "cos(x)*cos(y)");
    assert_eq!(d("sin(x)*cos(y)", Var::Y), "-sin(x)*sin(y)");
    assert_eq!(d("exp(-x^2-y^2)", Var::X), "-2*x*exp(-x**2 - y**2)");
    assert_eq!(d("sqrt(x)", Var::X), "1/(2*sqrt(x))");
    assert_eq!(d("log(x)", Var::X), "1/x");
    assert_eq!(d("1/x", Var::X), "-1/x**2");
    assert_eq!(d("x^3", Var::X), "3*x**2");
    assert_eq!(d("2^x", Var::X), "2**x*log(2)");
    assert_eq!(d("x^x", Var::X), "x**x*(log(x) + 1)");
    assert_eq!(d("tan(x)", Var::X), "tan(x)**2 + 1");
    assert_eq!(d("atan(x)", Var::X), "1/(x**2 + 1)");
    assert_eq!(d("5", Var::X), "0");
    assert_eq!(d("y", Var::X), "0");
}

#[test]
fn evaluates() {
    let e = parse("x^2 + y*z - sin(pi*x)").unwrap_or(Expr::int(0));
    assert!((e.eval([1.0, 2.0, 3.0]) - 7.0).abs() < 1e-12);
    let e = parse("(-8)^(1/3)").unwrap_or(Expr::int(0));
    assert!((e.eval([0.0; 3]) + 2.0).abs() < 1e-12);
    let e = parse("log(x)").unwrap_or(Expr::int(0));
    assert!(e.eval([-1.0, 0.0, 0.0]).is_nan());
}
