//! Declarations a model can read: each tool function as a Python stub and as a
//! TypeScript declaration, generated from the component's WIT with its docs, in the
//! shapes scripts use (the WIT <-> JSON mapping of [`crate::wit_json`]).
//!
//! Python: `def read(*, path: str, offset: int, length: int | None = None) -> str`,
//! records as `TypedDict`, enums as `Literal`, called as `tools.files.read(...)`.
//! TypeScript: `function read(args: { path: string; offset: number; length?: number |
//! null }): string` in `declare namespace tools.files`, records as interfaces.
//! A function returning `result<T, E>` is declared as returning `T`: its `err` is
//! raised (Python `RuntimeError`) or thrown (`ToolError`). A `result` inside a value
//! is `Ok[T] | Err[E]` in Python (`{"ok": T}` or `{"err": E}`), and an option of
//! something that can itself be null is `Some[T] | None` (`{"some": T}` or null), as
//! the JSON mapping writes them; [`PYTHON_HELPERS`] says so.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use wit_parser::{Function, Resolve, Type, TypeDefKind, TypeId};

use super::params::ParamNotes;

/// One function's declarations.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Declarations {
    /// The Python stub, with the named types it uses before it.
    pub python: String,
    /// The TypeScript declaration, with the named types it uses before it.
    pub typescript: String,
}

/// What the Python forms `Ok[T]`, `Err[E]` and `Some[T]` mean, for a reader.
pub const PYTHON_HELPERS: &str =
    "# Ok[T] is {\"ok\": T}, Err[E] is {\"err\": E}, Some[T] is {\"some\": T} (TypedDicts)";

/// The declarations of `func`, exported by tool `tool`, with the docs and parameter
/// names and defaults of `notes`.
pub(super) fn declare(resolve: &Resolve, tool: &str, func: &Function, notes: &ParamNotes) -> Declarations {
    let docs = notes.docs_without_annotations.as_str();
    let param_name = |name: &str| notes.json_name(name).map_or_else(|| identifier(name), str::to_owned);
    let mut named = BTreeSet::new();
    for param in &func.params {
        collect(resolve, &param.ty, &mut named);
    }
    if let Some(result) = &func.result {
        collect(resolve, result, &mut named);
    }
    let (ok, raises) = match func.result.as_ref().and_then(|t| result_of(resolve, t)) {
        Some((ok, _)) => (ok, true),
        None => (func.result, false),
    };
    let name = identifier(&func.name);
    let tool_ident = identifier(tool);

    let mut python = String::new();
    for id in &named {
        python.push_str(&python_type_decl(resolve, *id));
    }
    let params: Vec<String> = func
        .params
        .iter()
        .map(|p| {
            let ty = py(resolve, &p.ty);
            match notes.default_of(&p.name) {
                Some(default) => format!("{}: {ty} = {}", param_name(&p.name), python_literal(default)),
                None if is_option(resolve, &p.ty) => format!("{}: {ty} = None", param_name(&p.name)),
                None => format!("{}: {ty}", param_name(&p.name)),
            }
        })
        .collect();
    let star = if params.is_empty() { String::new() } else { format!("*, {}", params.join(", ")) };
    let returns = ok.as_ref().map_or("None".to_owned(), |t| py(resolve, t));
    let _ = writeln!(python, "# tools.{tool_ident}.{name}");
    let _ = writeln!(python, "def {name}({star}) -> {returns}:");
    let mut doc = docs.trim().to_owned();
    if raises {
        doc.push_str(if doc.is_empty() { "" } else { "\n\n" });
        doc.push_str("Raises RuntimeError with the tool's message when it fails.");
    }
    let _ = writeln!(python, "    \"\"\"{}\"\"\"", doc.replace("\"\"\"", "'''").replace('\n', "\n    "));

    let mut typescript = String::new();
    for id in &named {
        typescript.push_str(&typescript_type_decl(resolve, *id));
    }
    let fields: Vec<String> = func
        .params
        .iter()
        .map(|p| {
            let optional = if is_option(resolve, &p.ty) || notes.default_of(&p.name).is_some() { "?" } else { "" };
            format!("{}{optional}: {}", param_name(&p.name), ts(resolve, &p.ty))
        })
        .collect();
    let args = if fields.is_empty() { String::new() } else { format!("args: {{ {} }}", fields.join("; ")) };
    let returns = ok.as_ref().map_or("null".to_owned(), |t| ts(resolve, t));
    let _ = writeln!(typescript, "declare namespace tools.{tool_ident} {{");
    let mut doc = docs.trim().to_owned();
    if raises {
        doc.push_str(if doc.is_empty() { "" } else { "\n\n" });
        doc.push_str("@throws ToolError with the tool's message when it fails.");
    }
    let _ = writeln!(typescript, "  /**\n   * {}\n   */", doc.replace("*/", "* /").replace('\n', "\n   * "));
    let _ = writeln!(typescript, "  function {name}({args}): {returns};");
    let _ = writeln!(typescript, "}}");
    Declarations { python, typescript }
}

/// A JSON value as a Python literal: `true` is `True`, `null` is `None`; strings,
/// numbers, lists and objects are written the same in both.
fn python_literal(value: &serde_json::Value) -> String {
    use serde_json::Value;
    match value {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Array(items) => format!("[{}]", items.iter().map(python_literal).collect::<Vec<_>>().join(", ")),
        Value::Object(map) => {
            let entries: Vec<String> =
                map.iter().map(|(k, v)| format!("{}: {}", Value::from(k.as_str()), python_literal(v))).collect();
            format!("{{{}}}", entries.join(", "))
        }
        other => other.to_string(),
    }
}

/// A WIT name as a Python and JavaScript identifier: dashes become underscores.
pub fn identifier(name: &str) -> String {
    name.replace('-', "_")
}

/// A WIT type name as a class or interface name: `search-hit` -> `SearchHit`.
fn class_name(name: &str) -> String {
    name.split('-')
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
        })
        .collect()
}

/// The `ok` and `err` types of a result type.
fn result_of(resolve: &Resolve, ty: &Type) -> Option<(Option<Type>, Option<Type>)> {
    let Type::Id(id) = ty else { return None };
    match &resolve.types.get(*id)?.kind {
        TypeDefKind::Result(r) => Some((r.ok, r.err)),
        TypeDefKind::Type(inner) => result_of(resolve, inner),
        _ => None,
    }
}

fn is_option(resolve: &Resolve, ty: &Type) -> bool {
    let Type::Id(id) = ty else { return false };
    match resolve.types.get(*id).map(|d| &d.kind) {
        Some(TypeDefKind::Option(_)) => true,
        Some(TypeDefKind::Type(inner)) => is_option(resolve, inner),
        _ => false,
    }
}

/// The named types (records, enums, flags, variants) `ty` uses, deepest first.
fn collect(resolve: &Resolve, ty: &Type, named: &mut BTreeSet<TypeId>) {
    let Type::Id(id) = ty else { return };
    let Some(def) = resolve.types.get(*id) else { return };
    let mut inner = |t: &Type| collect(resolve, t, named);
    match &def.kind {
        TypeDefKind::Record(r) => r.fields.iter().for_each(|f| inner(&f.ty)),
        TypeDefKind::Variant(v) => v.cases.iter().filter_map(|c| c.ty.as_ref()).for_each(inner),
        TypeDefKind::Tuple(t) => t.types.iter().for_each(inner),
        TypeDefKind::Option(t) | TypeDefKind::List(t) | TypeDefKind::FixedLengthList(t, _) | TypeDefKind::Type(t) => {
            inner(t);
        }
        TypeDefKind::Result(r) => r.ok.iter().chain(r.err.iter()).for_each(inner),
        TypeDefKind::Map(k, v) => {
            inner(k);
            inner(v);
        }
        _ => {}
    }
    if def.name.is_some() && is_named_kind(&def.kind) {
        named.insert(*id);
    }
}

/// The two languages declarations are written in.
#[derive(Clone, Copy)]
enum Syntax {
    Python,
    TypeScript,
}

/// A type as written in a Python annotation.
fn py(resolve: &Resolve, ty: &Type) -> String {
    render(resolve, ty, Syntax::Python)
}

/// A type as written in TypeScript.
fn ts(resolve: &Resolve, ty: &Type) -> String {
    render(resolve, ty, Syntax::TypeScript)
}

/// Whether a type definition is one declared by name (a class, interface or alias).
fn is_named_kind(kind: &TypeDefKind) -> bool {
    matches!(kind, TypeDefKind::Record(_) | TypeDefKind::Enum(_) | TypeDefKind::Flags(_) | TypeDefKind::Variant(_))
}

/// A type in `syntax`: one walk of the WIT type, each language's spelling beside
/// the other's.
fn render(resolve: &Resolve, ty: &Type, syntax: Syntax) -> String {
    let python = matches!(syntax, Syntax::Python);
    let pick = |p: &str, t: &str| if python { p.to_owned() } else { t.to_owned() };
    let id = match ty {
        Type::Bool => return pick("bool", "boolean"),
        Type::U8 | Type::U16 | Type::U32 | Type::U64 | Type::S8 | Type::S16 | Type::S32 | Type::S64 => {
            return pick("int", "number");
        }
        Type::F32 | Type::F64 => return pick("float", "number"),
        Type::Char | Type::String => return pick("str", "string"),
        Type::ErrorContext => return pick("object", "unknown"),
        Type::Id(id) => *id,
    };
    let unknown = pick("object", "unknown");
    let Some(def) = resolve.types.get(id) else { return unknown };
    if let Some(name) = def.name.as_ref().filter(|_| is_named_kind(&def.kind)) {
        return class_name(name);
    }
    let inner = |t: &Type| render(resolve, t, syntax);
    let none = pick("None", "null");
    match &def.kind {
        TypeDefKind::Option(t) if is_option(resolve, t) && python => format!("Some[{}] | None", inner(t)),
        TypeDefKind::Option(t) if is_option(resolve, t) => format!("{{ some: {} }} | null", inner(t)),
        TypeDefKind::Option(t) => format!("{} | {none}", inner(t)),
        TypeDefKind::List(t) | TypeDefKind::FixedLengthList(t, _) if python => format!("list[{}]", inner(t)),
        TypeDefKind::List(t) | TypeDefKind::FixedLengthList(t, _) => format!("({})[]", inner(t)),
        TypeDefKind::Tuple(t) => {
            let items = t.types.iter().map(inner).collect::<Vec<_>>().join(", ");
            if python { format!("tuple[{items}]") } else { format!("[{items}]") }
        }
        TypeDefKind::Result(r) => {
            let side = |t: &Option<Type>| t.as_ref().map_or(none.clone(), inner);
            if python {
                format!("Ok[{}] | Err[{}]", side(&r.ok), side(&r.err))
            } else {
                format!("{{ ok: {} }} | {{ err: {} }}", side(&r.ok), side(&r.err))
            }
        }
        TypeDefKind::Map(k, v) if python => format!("list[tuple[{}, {}]]", inner(k), inner(v)),
        TypeDefKind::Map(k, v) => format!("[{}, {}][]", inner(k), inner(v)),
        TypeDefKind::Type(t) => inner(t),
        _ => unknown,
    }
}

/// A named type as Python: `TypedDict`, `Literal`, or a union of tagged dicts.
fn python_type_decl(resolve: &Resolve, id: TypeId) -> String {
    let Some(def) = resolve.types.get(id) else { return String::new() };
    let name = class_name(def.name.as_deref().unwrap_or("anonymous"));
    let mut out = String::new();
    match &def.kind {
        TypeDefKind::Record(r) => {
            let _ = writeln!(out, "class {name}(TypedDict):");
            for field in &r.fields {
                let _ = writeln!(out, "    {}: {}", identifier(&field.name), py(resolve, &field.ty));
            }
        }
        TypeDefKind::Enum(e) => {
            let cases: Vec<String> = e.cases.iter().map(|c| format!("\"{}\"", c.name)).collect();
            let _ = writeln!(out, "{name} = Literal[{}]", cases.join(", "));
        }
        TypeDefKind::Flags(f) => {
            let flags: Vec<String> = f.flags.iter().map(|c| format!("\"{}\"", c.name)).collect();
            let _ = writeln!(out, "{name} = list[Literal[{}]]", flags.join(", "));
        }
        TypeDefKind::Variant(v) => {
            let mut cases = Vec::new();
            for case in &v.cases {
                let case_name = format!("{name}{}", class_name(&case.name));
                let _ = writeln!(out, "class {case_name}(TypedDict):\n    tag: Literal[\"{}\"]", case.name);
                if let Some(ty) = &case.ty {
                    let _ = writeln!(out, "    value: {}", py(resolve, ty));
                }
                cases.push(case_name);
            }
            let _ = writeln!(out, "{name} = {}", cases.join(" | "));
        }
        _ => {}
    }
    out
}

/// A named type as TypeScript: an interface or a type alias.
fn typescript_type_decl(resolve: &Resolve, id: TypeId) -> String {
    let Some(def) = resolve.types.get(id) else { return String::new() };
    let name = class_name(def.name.as_deref().unwrap_or("anonymous"));
    match &def.kind {
        TypeDefKind::Record(r) => {
            let fields: Vec<String> =
                r.fields.iter().map(|f| format!("{}: {}", identifier(&f.name), ts(resolve, &f.ty))).collect();
            format!("interface {name} {{ {} }}\n", fields.join("; "))
        }
        TypeDefKind::Enum(e) => {
            let cases: Vec<String> = e.cases.iter().map(|c| format!("\"{}\"", c.name)).collect();
            format!("type {name} = {};\n", cases.join(" | "))
        }
        TypeDefKind::Flags(f) => {
            let flags: Vec<String> = f.flags.iter().map(|c| format!("\"{}\"", c.name)).collect();
            format!("type {name} = ({})[];\n", flags.join(" | "))
        }
        TypeDefKind::Variant(v) => {
            let cases: Vec<String> = v
                .cases
                .iter()
                .map(|c| match &c.ty {
                    Some(ty) => format!("{{ tag: \"{}\"; value: {} }}", c.name, ts(resolve, ty)),
                    None => format!("{{ tag: \"{}\" }}", c.name),
                })
                .collect();
            format!("type {name} = {};\n", cases.join(" | "))
        }
        _ => String::new(),
    }
}
