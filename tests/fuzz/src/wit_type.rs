//! Arbitrary WIT types from fuzz bytes, and their WIT text.
//!
//! Every kind the JSON mapping knows: integers, floats, `bool`, `char`, `string`,
//! `list<T>`, `list<T, N>`, `map<K, V>`, tuples, records, enums, flags, variants,
//! options and results; at most [`MAX_DEPTH`] levels and [`MAX_NODES`] nodes, so a
//! type compiles in milliseconds. Names come from a pool that mixes plain, kebab-case,
//! upper-case and `%`-escaped keyword identifiers (which become `type`, `list` ...).

use std::fmt::Write as _;

use arbitrary::{Result, Unstructured};

/// How deep a generated type nests.
pub const MAX_DEPTH: u32 = 4;
/// How many nodes a generated type has at most.
pub const MAX_NODES: u32 = 24;

/// Identifiers for fields and cases; WIT spelling (`%type` is the name `type`).
const NAMES: &[&str] = &[
    "a",
    "b",
    "c",
    "x",
    "value",
    "tag",
    "ok",
    "err",
    "some",
    "none",
    "max-hits",
    "a-b",
    "a1",
    "%type",
    "%list",
    "%string",
    "%record",
    "%enum",
    "%flags",
    "nan",
    "infinity",
    "text",
    "data",
    "mime-type",
    "URL",
    "a-URL",
    "z-z-z",
];

/// A WIT type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WitType {
    /// A leaf: `bool`, an integer, a float, `char` or `string`, as WIT writes it.
    Prim(&'static str),
    /// `list<T>`.
    List(Box<WitType>),
    /// `list<T, N>`.
    FixedList(Box<WitType>, u32),
    /// `map<K, V>` (`K` a primitive other than a float).
    Map(&'static str, Box<WitType>),
    /// `tuple<...>`.
    Tuple(Vec<WitType>),
    /// `option<T>`.
    Option(Box<WitType>),
    /// `result<T, E>`, either side optional.
    Result(Option<Box<WitType>>, Option<Box<WitType>>),
    /// A record with its fields.
    Record(Vec<(&'static str, WitType)>),
    /// An enum with its cases.
    Enum(Vec<&'static str>),
    /// Flags.
    Flags(Vec<&'static str>),
    /// A variant with its cases and their payloads.
    Variant(Vec<(&'static str, Option<WitType>)>),
}

const PRIMS: &[&str] = &["bool", "s8", "u8", "s16", "u16", "s32", "u32", "s64", "u64", "f32", "f64", "char", "string"];
const MAP_KEYS: &[&str] = &["bool", "s8", "u8", "s16", "u16", "s32", "u32", "s64", "u64", "char", "string"];

impl WitType {
    /// An arbitrary type.
    ///
    /// # Errors
    ///
    /// When `arbitrary` reports the bytes unusable.
    pub fn arbitrary(u: &mut Unstructured<'_>) -> Result<Self> {
        let mut budget = MAX_NODES;
        Self::node(u, MAX_DEPTH, &mut budget)
    }

    fn node(u: &mut Unstructured<'_>, depth: u32, budget: &mut u32) -> Result<Self> {
        *budget = budget.saturating_sub(1);
        if depth == 0 || *budget == 0 {
            return Ok(Self::Prim(u.choose(PRIMS)?));
        }
        let mut child = |u: &mut Unstructured<'_>| Self::node(u, depth - 1, budget).map(Box::new);
        Ok(match u.choose_index(13)? {
            0..=1 => Self::Prim(u.choose(PRIMS)?),
            2 => Self::List(child(u)?),
            3 => Self::FixedList(child(u)?, u.int_in_range(1..=4)?),
            4 => Self::Map(u.choose(MAP_KEYS)?, child(u)?),
            5 => Self::Tuple((0..u.int_in_range(1..=3)?).map(|_| child(u).map(|t| *t)).collect::<Result<_>>()?),
            6 => Self::Option(child(u)?),
            7 => {
                let ok = if u.arbitrary()? { Some(child(u)?) } else { None };
                let err = if u.arbitrary()? { Some(child(u)?) } else { None };
                Self::Result(ok, err)
            }
            8 | 9 => {
                let names = names(u)?;
                Self::Record(names.into_iter().map(|n| Ok((n, *child(u)?))).collect::<Result<_>>()?)
            }
            10 => Self::Enum(names(u)?),
            11 => Self::Flags(names(u)?),
            _ => {
                let names = names(u)?;
                let cases = names.into_iter().map(|n| Ok((n, if u.arbitrary()? { Some(*child(u)?) } else { None })));
                Self::Variant(cases.collect::<Result<_>>()?)
            }
        })
    }

    /// A WIT package with interface `i` holding the named types this one needs and
    /// `record wrap { x: T }`, exported by world `w`.
    pub fn package(&self) -> String {
        let mut defs = Vec::new();
        let ty = self.render(&mut defs);
        let mut text = String::from("package fuzz:t;\n\ninterface i {\n");
        for def in &defs {
            let _ = writeln!(text, "  {def}");
        }
        let _ = writeln!(text, "  record wrap {{ x: {ty} }}\n}}\n\nworld w {{\n  export i;\n}}");
        text
    }

    /// The type as WIT writes it where it is used; named types are added to `defs`.
    fn render(&self, defs: &mut Vec<String>) -> String {
        let named = |body: String, defs: &mut Vec<String>| {
            let name = format!("t{}", defs.len());
            defs.push(body.replace("NAME", &name));
            name
        };
        match self {
            Self::Prim(p) => (*p).to_owned(),
            Self::List(t) => format!("list<{}>", t.render(defs)),
            Self::FixedList(t, n) => format!("list<{}, {n}>", t.render(defs)),
            Self::Map(k, v) => format!("map<{k}, {}>", v.render(defs)),
            Self::Tuple(ts) => format!("tuple<{}>", ts.iter().map(|t| t.render(defs)).collect::<Vec<_>>().join(", ")),
            Self::Option(t) => format!("option<{}>", t.render(defs)),
            Self::Result(ok, err) => match (ok, err) {
                (None, None) => "result".to_owned(),
                (Some(ok), None) => format!("result<{}>", ok.render(defs)),
                (None, Some(err)) => format!("result<_, {}>", err.render(defs)),
                (Some(ok), Some(err)) => format!("result<{}, {}>", ok.render(defs), err.render(defs)),
            },
            Self::Record(fields) => {
                let fields: Vec<String> = fields.iter().map(|(n, t)| format!("{n}: {}", t.render(defs))).collect();
                named(format!("record NAME {{ {} }}", fields.join(", ")), defs)
            }
            Self::Enum(cases) => named(format!("enum NAME {{ {} }}", cases.join(", ")), defs),
            Self::Flags(flags) => named(format!("flags NAME {{ {} }}", flags.join(", ")), defs),
            Self::Variant(cases) => {
                let cases: Vec<String> = cases
                    .iter()
                    .map(|(n, t)| match t {
                        Some(t) => format!("{n}({})", t.render(defs)),
                        None => (*n).to_owned(),
                    })
                    .collect();
                named(format!("variant NAME {{ {} }}", cases.join(", ")), defs)
            }
        }
    }
}

/// One to four distinct names (distinct also ignoring case, as the component model
/// requires).
fn names(u: &mut Unstructured<'_>) -> Result<Vec<&'static str>> {
    let mut names: Vec<&'static str> = Vec::new();
    for _ in 0..u.int_in_range(1..=4)? {
        let name = *u.choose(NAMES)?;
        if !names.iter().any(|n| n.eq_ignore_ascii_case(name)) {
            names.push(name);
        }
    }
    Ok(names)
}
