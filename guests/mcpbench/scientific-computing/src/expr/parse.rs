//! The parser: numbers, x, y, z, pi, E (e), `+ - * /`, `^` and `**`, unary minus,
//! parentheses, functions (sin cos tan asin acos atan sinh cosh tanh exp log ln sqrt
//! abs) and implicit multiplication (`2x`, `3xy`, `2(x+1)`, `x sin(y)`).

use super::{Constant, Expr, Func, Num, Var, add, call, div, mul, neg, pow};

/// Longest input accepted, and deepest nesting (so that no input can exhaust the stack).
const MAX_LEN: usize = 10_000;
const MAX_DEPTH: usize = 100;

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Num(Num),
    Var(Var),
    Const(Constant),
    Func(Func),
    Sqrt,
    Op(char),
}

/// Parses `text` into a simplified expression.
pub fn parse(text: &str) -> Result<Expr, String> {
    if text.len() > MAX_LEN {
        return Err(format!("expression is too long ({} characters; at most {MAX_LEN})", text.len()));
    }
    let tokens = lex(text)?;
    if tokens.is_empty() {
        return Err("empty expression".into());
    }
    let mut parser = Parser { tokens, pos: 0, depth: 0 };
    let e = parser.sum()?;
    match parser.peek() {
        None => Ok(e),
        Some(t) => Err(format!("unexpected {}", describe(t))),
    }
}

fn describe(t: &Token) -> String {
    match t {
        Token::Num(n) => format!("number {n}"),
        Token::Var(v) => format!("'{}'", v.name()),
        Token::Const(Constant::Pi) => "'pi'".into(),
        Token::Const(Constant::E) => "'E'".into(),
        Token::Func(f) => format!("function '{}'", f.name()),
        Token::Sqrt => "function 'sqrt'".into(),
        Token::Op(c) => format!("'{c}'"),
    }
}

fn lex(text: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_digit() || (c == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit)) {
            let start = i;
            while chars.get(i).is_some_and(|c| c.is_ascii_digit() || *c == '.') {
                i += 1;
            }
            // An exponent only when digits follow: `2e-3` is a number, `2e` is 2*E.
            if matches!(chars.get(i), Some('e' | 'E')) {
                let mut j = i + 1;
                if matches!(chars.get(j), Some('+' | '-')) {
                    j += 1;
                }
                if chars.get(j).is_some_and(char::is_ascii_digit) {
                    i = j;
                    while chars.get(i).is_some_and(char::is_ascii_digit) {
                        i += 1;
                    }
                }
            }
            let literal: String = chars.get(start..i).unwrap_or_default().iter().collect();
            let n = Num::from_decimal(&literal).ok_or_else(|| format!("malformed number '{literal}'"))?;
            tokens.push(Token::Num(n));
        } else if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while chars.get(i).is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_') {
                i += 1;
            }
            let word: String = chars.get(start..i).unwrap_or_default().iter().collect();
            split_word(&word, &mut tokens)?;
        } else if c == '*' && chars.get(i + 1) == Some(&'*') {
            tokens.push(Token::Op('^'));
            i += 2;
        } else if "+-*/^(),".contains(c) {
            tokens.push(Token::Op(c));
            i += 1;
        } else if c == '[' || c == '{' {
            tokens.push(Token::Op('('));
            i += 1;
        } else if c == ']' || c == '}' {
            tokens.push(Token::Op(')'));
            i += 1;
        } else {
            return Err(format!("unexpected character '{c}'"));
        }
    }
    Ok(tokens)
}

/// Splits a run of letters into names: `3xy` gives x, y; `xsin` gives x, sin.
fn split_word(word: &str, tokens: &mut Vec<Token>) -> Result<(), String> {
    let mut rest = word;
    while !rest.is_empty() {
        let mut names: Vec<(&str, Token)> = Func::NAMES.iter().map(|(n, f)| (*n, Token::Func(*f))).collect();
        names.extend([
            ("sqrt", Token::Sqrt),
            ("pi", Token::Const(Constant::Pi)),
            ("E", Token::Const(Constant::E)),
            ("e", Token::Const(Constant::E)),
            ("x", Token::Var(Var::X)),
            ("y", Token::Var(Var::Y)),
            ("z", Token::Var(Var::Z)),
        ]);
        let best = names.into_iter().filter(|(n, _)| rest.starts_with(n)).max_by_key(|(n, _)| n.len());
        match best {
            Some((name, token)) => {
                tokens.push(token);
                rest = rest.get(name.len()..).unwrap_or_default();
            }
            None => {
                return Err(format!(
                    "unknown name '{word}': the variables are x, y and z; constants pi and E; functions sin, cos, tan, asin, acos, atan, sinh, cosh, tanh, exp, log (ln), sqrt, abs"
                ));
            }
        }
    }
    Ok(())
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn eat(&mut self, op: char) -> bool {
        if self.peek() == Some(&Token::Op(op)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn enter(&mut self) -> Result<(), String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH { Err("expression is nested too deeply".into()) } else { Ok(()) }
    }

    fn sum(&mut self) -> Result<Expr, String> {
        self.enter()?;
        let mut terms = vec![self.product()?];
        loop {
            if self.eat('+') {
                terms.push(self.product()?);
            } else if self.eat('-') {
                terms.push(neg(self.product()?));
            } else {
                break;
            }
        }
        self.depth -= 1;
        Ok(add(terms))
    }

    fn product(&mut self) -> Result<Expr, String> {
        let mut acc = self.unary()?;
        loop {
            if self.eat('*') {
                acc = mul(vec![acc, self.unary()?]);
            } else if self.eat('/') {
                acc = div(acc, self.unary()?);
            } else if matches!(
                self.peek(),
                Some(Token::Num(_) | Token::Var(_) | Token::Const(_) | Token::Func(_) | Token::Sqrt | Token::Op('('))
            ) {
                acc = mul(vec![acc, self.power()?]);
            } else {
                return Ok(acc);
            }
        }
    }

    fn unary(&mut self) -> Result<Expr, String> {
        self.enter()?;
        let e = if self.eat('-') {
            neg(self.unary()?)
        } else if self.eat('+') {
            self.unary()?
        } else {
            self.power()?
        };
        self.depth -= 1;
        Ok(e)
    }

    fn power(&mut self) -> Result<Expr, String> {
        let base = self.primary()?;
        if self.eat('^') {
            let exp = self.unary()?;
            return Ok(pow(base, exp));
        }
        Ok(base)
    }

    fn primary(&mut self) -> Result<Expr, String> {
        match self.next() {
            Some(Token::Num(n)) => Ok(Expr::Num(n)),
            Some(Token::Var(v)) => Ok(Expr::Var(v)),
            Some(Token::Const(c)) => Ok(Expr::Const(c)),
            Some(Token::Func(f)) => Ok(call(f, self.argument(f.name())?)),
            Some(Token::Sqrt) => Ok(pow(self.argument("sqrt")?, Expr::Num(Num::HALF))),
            Some(Token::Op('(')) => {
                let e = self.sum()?;
                if self.eat(')') { Ok(e) } else { Err("missing ')'".into()) }
            }
            Some(t) => Err(format!("unexpected {}", describe(&t))),
            None => Err("the expression ends too early".into()),
        }
    }

    fn argument(&mut self, name: &str) -> Result<Expr, String> {
        if !self.eat('(') {
            return Err(format!("{name} needs its argument in parentheses, e.g. {name}(x)"));
        }
        let e = self.sum()?;
        if self.eat(')') { Ok(e) } else { Err(format!("missing ')' after the argument of {name}")) }
    }
}
