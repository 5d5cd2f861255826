//! The declarations `search_tools` shows scripts are true: for every function of the
//! `types` fixture (every kind of WIT type), values shaped as its Python and its
//! TypeScript declaration say are accepted by the runtime, and what it returns has
//! the declared shape.
//!
//! The declarations are read as text, by a small parser of the forms cemcp writes
//! (not derived again from the WIT), so that a wrong declaration fails here.

use std::collections::BTreeMap;

use cemcp::CancelToken;
use cemcp::manifest::Language;
use cemcp_tests::{ManifestEdit as _, TestBed, artifacts};
use serde_json::{Map, Value, json};

/// A type as a declaration writes it.
#[derive(Debug, Clone)]
enum Ty {
    Number,
    Int,
    Str,
    Bool,
    Null,
    List(Box<Ty>),
    Tuple(Vec<Ty>),
    Union(Vec<Ty>),
    Literal(String),
    /// Fields, with whether each may be left out.
    Object(Vec<(String, Ty, bool)>),
    /// `{"ok": ...} | {"err": ...}` written loosely (Python's `dict`).
    AnyObject,
    Named(String),
}

/// A tiny tokenizer and recursive-descent parser for both languages' type syntax.
struct Parser<'a> {
    tokens: Vec<&'a str>,
    at: usize,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Self {
        let mut tokens = Vec::new();
        let mut rest = text;
        while let Some(c) = rest.chars().next() {
            if c.is_whitespace() {
                rest = &rest[c.len_utf8()..];
            } else if c == '"' {
                let end = rest[1..].find('"').unwrap() + 2;
                tokens.push(&rest[..end]);
                rest = &rest[end..];
            } else if c.is_alphanumeric() || c == '_' {
                let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(rest.len());
                tokens.push(&rest[..end]);
                rest = &rest[end..];
            } else {
                tokens.push(&rest[..c.len_utf8()]);
                rest = &rest[c.len_utf8()..];
            }
        }
        Self { tokens, at: 0 }
    }

    fn peek(&self) -> Option<&'a str> {
        self.tokens.get(self.at).copied()
    }

    fn next(&mut self) -> &'a str {
        let token = self.peek().unwrap_or_else(|| panic!("unexpected end in {:?}", self.tokens));
        self.at += 1;
        token
    }

    fn expect(&mut self, token: &str) {
        assert_eq!(self.next(), token, "in {:?}", self.tokens);
    }

    fn union(&mut self, python: bool) -> Ty {
        let mut alternatives = vec![self.postfix(python)];
        while self.peek() == Some("|") {
            self.next();
            alternatives.push(self.postfix(python));
        }
        if alternatives.len() == 1 { alternatives.remove(0) } else { Ty::Union(alternatives) }
    }

    fn postfix(&mut self, python: bool) -> Ty {
        let mut ty = self.atom(python);
        while !python && self.peek() == Some("[") && self.tokens.get(self.at + 1) == Some(&"]") {
            self.at += 2;
            ty = Ty::List(Box::new(ty));
        }
        ty
    }

    fn list(&mut self, python: bool, close: &str) -> Vec<Ty> {
        let mut items = Vec::new();
        while self.peek() != Some(close) {
            items.push(self.union(python));
            if self.peek() == Some(",") {
                self.next();
            }
        }
        self.expect(close);
        items
    }

    fn atom(&mut self, python: bool) -> Ty {
        let token = self.next();
        match token {
            "number" | "float" => Ty::Number,
            "int" => Ty::Int,
            "string" | "str" => Ty::Str,
            "boolean" | "bool" => Ty::Bool,
            "null" | "None" => Ty::Null,
            "dict" => Ty::AnyObject,
            "(" => {
                let ty = self.union(python);
                self.expect(")");
                ty
            }
            "[" => Ty::Tuple(self.list(python, "]")),
            "list" => {
                self.expect("[");
                let item = self.union(python);
                self.expect("]");
                Ty::List(Box::new(item))
            }
            "tuple" => {
                self.expect("[");
                Ty::Tuple(self.list(python, "]"))
            }
            "Literal" => {
                self.expect("[");
                Ty::Union(self.list(python, "]"))
            }
            "{" => {
                let mut fields = Vec::new();
                while self.peek() != Some("}") {
                    let name = self.next().trim_matches('"').to_owned();
                    let optional = self.peek() == Some("?");
                    if optional {
                        self.next();
                    }
                    self.expect(":");
                    fields.push((name, self.union(python), optional));
                    if self.peek() == Some(";") {
                        self.next();
                    }
                }
                self.expect("}");
                Ty::Object(fields)
            }
            literal if literal.starts_with('"') => Ty::Literal(literal.trim_matches('"').to_owned()),
            // Python's `Ok[T]`, `Err[E]` and `Some[T]`: one-key objects.
            wrapper @ ("Ok" | "Err" | "Some") if python && self.peek() == Some("[") => {
                self.next();
                let inner = self.union(python);
                self.expect("]");
                Ty::Object(vec![(wrapper.to_lowercase(), inner, false)])
            }
            name => Ty::Named(name.to_owned()),
        }
    }
}

/// An object's fields: name, type, and whether it may be left out.
type Fields = Vec<(String, Ty, bool)>;

/// The named types and the function a declaration text defines.
struct Declared {
    types: BTreeMap<String, Ty>,
    params: Vec<(String, Ty, bool)>,
    returns: Ty,
}

fn parse_typescript(text: &str) -> Declared {
    let mut types = BTreeMap::new();
    let mut function = None;
    for line in text.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("interface ") {
            let (name, body) = rest.split_once(' ').unwrap();
            types.insert(name.to_owned(), Parser::new(body).atom(false));
        } else if let Some(rest) = line.strip_prefix("type ") {
            let (name, body) = rest.split_once(" = ").unwrap();
            types.insert(name.to_owned(), Parser::new(body.trim_end_matches(';')).union(false));
        } else if let Some(rest) = line.strip_prefix("function ") {
            let open = rest.find('(').unwrap();
            let close = rest.rfind("): ").unwrap();
            let args = &rest[open + 1..close];
            let params = match args.strip_prefix("args: ") {
                Some(object) => match Parser::new(object).atom(false) {
                    Ty::Object(fields) => fields,
                    other => panic!("args are {other:?}"),
                },
                None => Vec::new(),
            };
            let returns = Parser::new(rest[close + 3..].trim_end_matches(';')).union(false);
            function = Some((params, returns));
        }
    }
    let (params, returns) = function.expect("a function declaration");
    Declared { types, params, returns }
}

fn parse_python(text: &str) -> Declared {
    let mut types = BTreeMap::new();
    let mut function = None;
    let mut class: Option<(String, Fields)> = None;
    for line in text.lines() {
        if let Some((name, fields)) = &mut class {
            if let Some(field) = line.strip_prefix("    ") {
                let (field, ty) = field.split_once(": ").unwrap();
                fields.push((field.to_owned(), Parser::new(ty).union(true), false));
                continue;
            }
            types.insert(name.clone(), Ty::Object(std::mem::take(fields)));
            class = None;
        }
        if let Some(rest) = line.strip_prefix("class ") {
            class = Some((rest.split_once('(').unwrap().0.to_owned(), Vec::new()));
        } else if let Some(rest) = line.strip_prefix("def ") {
            let open = rest.find('(').unwrap();
            let close = rest.rfind(") -> ").unwrap();
            let params = split_top_level(&rest[open + 1..close])
                .into_iter()
                .filter(|p| *p != "*" && !p.is_empty())
                .map(|p| {
                    let (name, rest) = p.split_once(": ").unwrap();
                    let (ty, optional) = match rest.strip_suffix(" = None") {
                        Some(ty) => (ty, true),
                        None => (rest, false),
                    };
                    (name.to_owned(), Parser::new(ty).union(true), optional)
                })
                .collect();
            let returns = Parser::new(rest[close + 5..].trim_end_matches(':')).union(true);
            function = Some((params, returns));
        } else if let Some((name, body)) = line.split_once(" = ")
            && !line.starts_with(' ')
            && !line.starts_with('#')
        {
            types.insert(name.to_owned(), Parser::new(body).union(true));
        }
    }
    if let Some((name, fields)) = class {
        types.insert(name, Ty::Object(fields));
    }
    let (params, returns) = function.expect("a function declaration");
    Declared { types, params, returns }
}

/// `text` split at the commas outside brackets.
fn split_top_level(text: &str) -> Vec<&str> {
    let (mut depth, mut start, mut parts) = (0i32, 0, Vec::new());
    for (i, c) in text.char_indices() {
        match c {
            '[' | '(' | '{' => depth += 1,
            ']' | ')' | '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(text[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(text[start..].trim());
    parts
}

impl Declared {
    fn resolve<'t>(&'t self, ty: &'t Ty) -> &'t Ty {
        match ty {
            Ty::Named(name) => self.resolve(self.types.get(name).unwrap_or_else(|| panic!("undeclared `{name}`"))),
            other => other,
        }
    }

    /// A value of `ty`: for a union, its `pick`th alternative (wrapping around).
    fn sample(&self, ty: &Ty, pick: usize) -> Value {
        match self.resolve(ty) {
            Ty::Number | Ty::Int => json!(3),
            Ty::Str => json!("x"),
            Ty::Bool => json!(true),
            Ty::Null => Value::Null,
            Ty::List(item) => json!([self.sample(item, pick), self.sample(item, pick + 1)]),
            Ty::Tuple(items) => Value::Array(items.iter().map(|t| self.sample(t, pick)).collect()),
            Ty::Union(alternatives) => self.sample(&alternatives[pick % alternatives.len()], pick),
            Ty::Literal(text) => json!(text),
            Ty::Object(fields) => {
                Value::Object(fields.iter().map(|(name, t, _)| (name.clone(), self.sample(t, pick))).collect())
            }
            Ty::AnyObject => json!({}),
            Ty::Named(_) => unreachable!(),
        }
    }

    /// Whether `value` has the shape of `ty`.
    fn fits(&self, value: &Value, ty: &Ty) -> bool {
        match (self.resolve(ty), value) {
            (Ty::Number, Value::Number(_)) | (Ty::Str, Value::String(_)) | (Ty::Bool, Value::Bool(_)) => true,
            (Ty::Int, Value::Number(n)) => n.is_i64() || n.is_u64(),
            (Ty::Null, Value::Null) => true,
            (Ty::List(item), Value::Array(items)) => items.iter().all(|v| self.fits(v, item)),
            (Ty::Tuple(types), Value::Array(items)) => {
                types.len() == items.len() && types.iter().zip(items).all(|(t, v)| self.fits(v, t))
            }
            (Ty::Union(alternatives), _) => alternatives.iter().any(|t| self.fits(value, t)),
            (Ty::Literal(text), Value::String(s)) => text == s,
            (Ty::Object(fields), Value::Object(object)) => {
                object.keys().all(|k| fields.iter().any(|(n, _, _)| n == k))
                    && fields.iter().all(|(name, t, optional)| match object.get(name) {
                        Some(v) => self.fits(v, t),
                        None => *optional,
                    })
            }
            (Ty::AnyObject, Value::Object(_)) => true,
            _ => false,
        }
    }
}

#[test]
fn declarations_describe_what_the_runtime_accepts_and_returns() {
    let bed = TestBed::new();
    let manifest = TestBed::base_manifest()
        .edit(
            "[profile.all]",
            &format!(
                "[tool.types]\ncomponent = \"{}\"\n\n[interpreter.python]\ncomponent = \"{}\"\n\n\
                 [interpreter.javascript]\ncomponent = \"{}\"\n\n[profile.all]",
                artifacts::TYPES_COMPONENT,
                artifacts::PYTHON_COMPONENT,
                artifacts::JAVASCRIPT_COMPONENT
            ),
        )
        .edit(r#"tools = ["files", "kv", "flaky", "http", "config"]"#, r#"tools = ["types"]"#);
    let runtime = bed.runtime(&manifest).unwrap();
    let profile = runtime.profile(None).unwrap();
    let functions: Vec<_> = profile.functions().collect();
    assert_eq!(functions.len(), 4, "every function of the fixture");
    let mut checked = 0;
    for language in [Language::Python, Language::Javascript] {
        let interpreter = runtime.interpreter_for(language, profile).unwrap();
        for function in &functions {
            let name = &function.func.name;
            let declared = match language {
                Language::Python => parse_python(&function.docs.declarations.python),
                Language::Javascript => parse_typescript(&function.docs.declarations.typescript),
            };
            // Two samples: the first and the second alternative of every union.
            for pick in 0..2 {
                let args: Map<String, Value> =
                    declared.params.iter().map(|(n, t, _)| (n.clone(), declared.sample(t, pick))).collect();
                let call = format!("tools.types.{}", name.replace('-', "_"));
                let source = match language {
                    Language::Python => format!("{call}(**input)"),
                    Language::Javascript => format!("{call}(input)"),
                };
                let input = Value::Object(args).to_string();
                let out = runtime
                    .run_script(&interpreter, &source, &input, &CancelToken::new())
                    .unwrap_or_else(|e| panic!("{language} {name}({input}) refused: {e}"));
                let returned: Value = serde_json::from_str(&out.output).unwrap();
                assert!(
                    declared.fits(&returned, &declared.returns),
                    "{language} {name}({input}) returned {returned}, not {:?}",
                    declared.returns
                );
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 16);
}
