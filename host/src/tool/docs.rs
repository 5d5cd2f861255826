//! A tool's docs: each function's WIT signature and doc comment, both read from the
//! component itself, so descriptions are never written twice.
//!
//! Signatures come from the component's WIT (the types wasmtime enforces, with their
//! names). Docs come from the WIT source the tool carries in a custom section named
//! [`WIT_SECTION`]: the component binary format has no place for doc comments, and
//! the toolchains that build components drop them. A tool without the section is
//! listed without docs.

use std::collections::HashMap;

use wasmparser::{Parser, Payload};
use wit_parser::decoding::{DecodedWasm, decode};
use wit_parser::{Handle, Resolve, Type, TypeDefKind, TypeOwner, UnresolvedPackageGroup, WorldItem};

use wasmtime::Engine;

use super::ToolInterface;
use super::declarations::{Declarations, declare};
use super::params::ParamNotes;
use crate::cache::ComponentCache;
use crate::sandbox::grants::ComponentFile;
use crate::wit_json::Param;

/// The custom section holding a tool's WIT source (UTF-8), anywhere in the component.
/// In Rust: `#[used] #[unsafe(link_section = "cemcp:wit")] static WIT: [u8; N] =
/// *include_bytes!("tool.wit");` (see `guests/files`).
pub const WIT_SECTION: &str = "cemcp:wit";

/// A tool's docs, in the order of its interfaces and functions.
#[derive(Debug, Default)]
pub(super) struct Docs {
    /// The WIT source it carries.
    pub wit: Option<String>,
    /// Per interface of the tool, by position.
    pub interfaces: Vec<InterfaceDocs>,
    /// What a function without docs shows.
    pub missing: FuncDocs,
}

/// One interface's docs.
#[derive(Debug, Default)]
pub(super) struct InterfaceDocs {
    pub docs: String,
    /// Per function of the interface, by position.
    pub funcs: Vec<FuncDocs>,
}

/// One function as agents read it: its WIT signature, doc comment, parameters and
/// declarations.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FuncDocs {
    /// Its WIT signature, e.g. `read: func(path: string) -> result<string, string>`;
    /// empty if the component's WIT cannot be decoded.
    pub signature: String,
    /// Its doc comment (empty if it has none), as the tool author wrote it.
    pub docs: String,
    /// The doc comment without the parameter lines and annotations that the input
    /// schema carries: what MCP clients read as the description.
    pub description: String,
    /// Its parameters as JSON callers see them (names, descriptions, defaults,
    /// rules), in order.
    pub params: Vec<Param>,
    /// What is wrong with its parameter notes (each such note is ignored).
    pub problems: Vec<String>,
    /// The marks its doc comment claims (`@state-changing`, `@sink` lines), without
    /// the `@`; they count only where the manifest confirms them.
    pub marks: Vec<String>,
    /// Its Python and TypeScript declarations, for scripts.
    pub declarations: Declarations,
}

impl FuncDocs {
    /// The first sentence of the doc comment's first paragraph, on one line.
    pub fn summary(&self) -> String {
        let paragraph: Vec<&str> = self.docs.lines().map(str::trim).take_while(|l| !l.is_empty()).collect();
        let paragraph = paragraph.join(" ");
        match paragraph.find(". ") {
            Some(end) => paragraph.get(..=end).unwrap_or(&paragraph).to_owned(),
            None => paragraph,
        }
    }
}

impl Docs {
    /// The docs of the component in `file`, whose exports are `interfaces`, aligned
    /// with them by position: decoded from the component, or taken from `cache`
    /// where an earlier load decoded them (decoding a component's WIT reads the
    /// whole binary: about 1 ms per 200 KB, the largest part of a cached start-up
    /// before issue 14). What cannot be decoded is left empty (and logged): docs are
    /// for agents, and a tool without them still works.
    pub fn load(
        cache: &ComponentCache,
        engine: &Engine,
        file: &ComponentFile,
        tool: &str,
        interfaces: &[ToolInterface],
    ) -> Self {
        let decode = |wasm: &[u8]| {
            let wit = embedded_wit(wasm);
            let interfaces = exported_interfaces(wasm, tool, wit.as_deref()).unwrap_or_else(|e| {
                tracing::warn!("cannot decode a tool's WIT for its docs: {e:#}");
                Vec::new()
            });
            Decoded { wit, interfaces }
        };
        let wasm = || file.bytes().map_err(|e| wasmtime::format_err!("{e}"));
        // Docs are kept only when the component could be read.
        let stored = cache.derived(engine, file.digest(), &format!("docs-{}", crate::cache::build_stamp()), || {
            serde_json::to_vec(&decode(wasm()?)).map_err(wasmtime::Error::from)
        });
        let decoded = stored.ok().and_then(|bytes| serde_json::from_slice(&bytes).ok()).unwrap_or_else(|| {
            decode(wasm().unwrap_or_else(|e| {
                tracing::warn!("cannot read a tool's component for its docs: {e}");
                &[]
            }))
        });
        Self::aligned(decoded, tool, interfaces)
    }

    fn aligned(decoded: Decoded, tool: &str, interfaces: &[ToolInterface]) -> Self {
        let interfaces = interfaces
            .iter()
            .map(|interface| {
                let found = decoded.interfaces.iter().find(|d| d.name == interface.name);
                InterfaceDocs {
                    docs: found.map(|d| d.docs.clone()).unwrap_or_default(),
                    funcs: interface
                        .funcs
                        .iter()
                        .map(|func| {
                            let decoded = found.and_then(|d| d.funcs.iter().find(|f| f.name == func.name));
                            // A function the WIT does not describe keeps its name and
                            // the parameters its type has.
                            let notes = decoded.map(|d| ParamNotes::parse(&d.docs)).unwrap_or_default();
                            let (params, problems) = notes.params(&func.ty);
                            for problem in &problems {
                                tracing::warn!(tool, function = %func.name, "ignoring a parameter note: {problem}");
                            }
                            let Some(decoded) = decoded else {
                                return FuncDocs { signature: func.name.clone(), params, ..FuncDocs::default() };
                            };
                            FuncDocs {
                                signature: decoded.signature.clone(),
                                docs: decoded.docs.clone(),
                                description: notes.summary_docs,
                                params,
                                problems,
                                marks: notes.marks,
                                declarations: decoded.declarations.clone(),
                            }
                        })
                        .collect(),
                }
            })
            .collect();
        Self { wit: decoded.wit, interfaces, missing: FuncDocs::default() }
    }
}

/// What decoding a component's WIT gives, in the form kept in the cache.
#[derive(serde::Serialize, serde::Deserialize)]
struct Decoded {
    /// The WIT source it carries.
    wit: Option<String>,
    interfaces: Vec<DecodedInterface>,
}

/// One exported interface as decoded from the component, by name.
#[derive(serde::Serialize, serde::Deserialize)]
struct DecodedInterface {
    name: String,
    docs: String,
    funcs: Vec<DecodedFunc>,
}

/// One function: what only the component's WIT can tell (the rest of [`FuncDocs`]
/// is read from `docs` and the wasmtime type when the docs are loaded).
#[derive(serde::Serialize, serde::Deserialize)]
struct DecodedFunc {
    name: String,
    signature: String,
    docs: String,
    declarations: Declarations,
}

/// The interfaces a component exports, with signatures and docs.
fn exported_interfaces(wasm: &[u8], tool: &str, wit: Option<&str>) -> anyhow::Result<Vec<DecodedInterface>> {
    let DecodedWasm::Component(resolve, world) = decode(wasm)? else {
        anyhow::bail!("this is a WIT package, not a component");
    };
    let world = resolve.worlds.get(world).ok_or_else(|| anyhow::anyhow!("the component's world is missing"))?;
    let docs = wit.map(WitDocs::parse).unwrap_or_default();
    let mut interfaces = Vec::new();
    for item in world.exports.values() {
        let WorldItem::Interface { id, .. } = item else { continue };
        let Some(interface) = resolve.interfaces.get(*id) else { continue };
        let short_name = interface.name.clone().unwrap_or_default();
        let funcs = interface
            .functions
            .values()
            .map(|func| {
                let params: Vec<String> =
                    func.params.iter().map(|p| format!("{}: {}", p.name, type_name(&resolve, &p.ty))).collect();
                let result =
                    func.result.as_ref().map(|t| format!(" -> {}", type_name(&resolve, t))).unwrap_or_default();
                let signature = format!("{}: func({}){result}", func.name, params.join(", "));
                let text = docs.function(&short_name, &func.name);
                let declarations = declare(&resolve, tool, func, &ParamNotes::parse(&text));
                DecodedFunc { name: func.name.clone(), signature, docs: text, declarations }
            })
            .collect();
        interfaces.push(DecodedInterface {
            name: resolve.id_of(*id).unwrap_or_else(|| interface.name.clone().unwrap_or_default()),
            docs: docs.interface(&short_name),
            funcs,
        });
    }
    Ok(interfaces)
}

/// The WIT text in the component's [`WIT_SECTION`] sections, if any.
pub fn embedded_wit(wasm: &[u8]) -> Option<String> {
    let mut text = String::new();
    for payload in Parser::new(0).parse_all(wasm) {
        // A malformed component ends the scan; wasmtime has already validated it.
        let Ok(payload) = payload else { break };
        if let Payload::CustomSection(section) = payload
            && section.name() == WIT_SECTION
        {
            text.push_str(&String::from_utf8_lossy(section.data()));
        }
    }
    (!text.is_empty()).then_some(text)
}

/// Doc comments from WIT source, by interface and function name.
#[derive(Default)]
struct WitDocs {
    interfaces: HashMap<String, String>,
    functions: HashMap<(String, String), String>,
}

impl WitDocs {
    /// Docs of the main package in `text`; none if it does not parse (docs are
    /// optional, the signatures come from the component).
    fn parse(text: &str) -> Self {
        let mut docs = Self::default();
        let Ok(group) = UnresolvedPackageGroup::parse(WIT_SECTION, text) else {
            tracing::warn!("ignoring a `{WIT_SECTION}` section that is not valid WIT");
            return docs;
        };
        for (_, interface) in group.main.interfaces.iter() {
            let Some(name) = interface.name.clone() else { continue };
            for (func_name, func) in &interface.functions {
                if let Some(text) = &func.docs.contents {
                    docs.functions.insert((name.clone(), func_name.clone()), text.clone());
                }
            }
            if let Some(text) = &interface.docs.contents {
                docs.interfaces.insert(name, text.clone());
            }
        }
        docs
    }

    fn interface(&self, name: &str) -> String {
        self.interfaces.get(name).cloned().unwrap_or_default()
    }

    fn function(&self, interface: &str, func: &str) -> String {
        self.functions.get(&(interface.to_owned(), func.to_owned())).cloned().unwrap_or_default()
    }
}

/// A type as written in WIT: named types by name, anonymous ones structurally.
fn type_name(resolve: &Resolve, ty: &Type) -> String {
    let id = match ty {
        Type::Id(id) => *id,
        Type::Bool => return "bool".into(),
        Type::U8 => return "u8".into(),
        Type::U16 => return "u16".into(),
        Type::U32 => return "u32".into(),
        Type::U64 => return "u64".into(),
        Type::S8 => return "s8".into(),
        Type::S16 => return "s16".into(),
        Type::S32 => return "s32".into(),
        Type::S64 => return "s64".into(),
        Type::F32 => return "f32".into(),
        Type::F64 => return "f64".into(),
        Type::Char => return "char".into(),
        Type::String => return "string".into(),
        Type::ErrorContext => return "error-context".into(),
    };
    let Some(def) = resolve.types.get(id) else { return "<unknown>".into() };
    if let (Some(name), false) = (&def.name, matches!(def.owner, TypeOwner::None)) {
        return name.clone();
    }
    let inner = |t: &Type| type_name(resolve, t);
    let maybe = |t: &Option<Type>| t.as_ref().map_or("_".to_owned(), inner);
    match &def.kind {
        TypeDefKind::Option(t) => format!("option<{}>", inner(t)),
        TypeDefKind::List(t) => format!("list<{}>", inner(t)),
        TypeDefKind::Map(k, v) => format!("map<{}, {}>", inner(k), inner(v)),
        TypeDefKind::FixedLengthList(t, n) => format!("list<{}, {n}>", inner(t)),
        TypeDefKind::Result(r) => match (&r.ok, &r.err) {
            (None, None) => "result".into(),
            (ok, None) => format!("result<{}>", maybe(ok)),
            (ok, err) => format!("result<{}, {}>", maybe(ok), maybe(err)),
        },
        TypeDefKind::Tuple(t) => format!("tuple<{}>", t.types.iter().map(inner).collect::<Vec<_>>().join(", ")),
        TypeDefKind::Future(t) => format!("future<{}>", maybe(t)),
        TypeDefKind::Stream(t) => format!("stream<{}>", maybe(t)),
        TypeDefKind::Handle(Handle::Own(r)) => type_name(resolve, &Type::Id(*r)),
        TypeDefKind::Handle(Handle::Borrow(r)) => format!("borrow<{}>", type_name(resolve, &Type::Id(*r))),
        TypeDefKind::Type(t) => inner(t),
        _ => def.name.clone().unwrap_or_else(|| "<anonymous>".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_is_the_first_sentence_even_when_wrapped() {
        let doc = |docs: &str| FuncDocs { docs: docs.into(), ..FuncDocs::default() };
        assert_eq!(
            doc("Stores a value, replacing any earlier\nvalue. The write is atomic.\n\nMore.").summary(),
            "Stores a value, replacing any earlier value."
        );
        assert_eq!(doc("Lists keys").summary(), "Lists keys");
        assert_eq!(doc("").summary(), "");
    }
}
