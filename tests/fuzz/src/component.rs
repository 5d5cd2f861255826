//! A WIT type as wasmtime sees it: a component whose exported instance has the type
//! `record wrap { x: T }` is built from the WIT text (wit-parser,
//! `wit_component::dummy_module`, the component-type custom section,
//! `ComponentEncoder`), compiled, and the type of field `x` read back.
//!
//! A record rather than a function `f: func(x: T) -> T`: wasmtime gives the same
//! `Type` either way, and with no function there is no core code or trampoline to
//! compile (a third less time per type, measured). The engine has fixed-length lists
//! and maps on, which cemcp's own engine leaves off, so that the JSON mapping of
//! those types is fuzzed too; Cranelift does not optimise, on one thread.

use std::sync::OnceLock;

use wasmtime::component::types::ComponentItem;
use wasmtime::component::{Component, Type};
use wasmtime::{Config, Engine};
use wit_component::{ComponentEncoder, StringEncoding};
use wit_parser::{ManglingAndAbi, Resolve};

static ENGINE: OnceLock<Option<Engine>> = OnceLock::new();

fn engine() -> Result<&'static Engine, String> {
    ENGINE
        .get_or_init(|| {
            let mut config = Config::new();
            config.wasm_component_model(true);
            config.wasm_component_model_fixed_length_lists(true);
            config.wasm_component_model_map(true);
            config.cranelift_opt_level(wasmtime::OptLevel::None);
            // One thread: a type compiles in well under a millisecond, less than
            // handing its few functions to rayon's threads costs.
            config.parallel_compilation(false);
            Engine::new(&config).ok()
        })
        .as_ref()
        .ok_or_else(|| "wasmtime refused the fuzzing engine's configuration".to_owned())
}

/// The component's bytes for `wit`.
///
/// # Errors
///
/// As [`field_type`].
pub fn build(wit: &str) -> Result<Vec<u8>, String> {
    let mut resolve = Resolve::default();
    let package = resolve.push_str("fuzz.wit", wit).map_err(|e| format!("wit: {e:#}"))?;
    let world = resolve.select_world(&[package], Some("w")).map_err(|e| format!("world: {e:#}"))?;
    let mut module = wit_component::dummy_module(&resolve, world, ManglingAndAbi::Standard32);
    wit_component::embed_component_metadata(&mut module, &resolve, world, StringEncoding::UTF8)
        .map_err(|e| format!("metadata: {e:#}"))?;
    ComponentEncoder::default()
        .module(&module)
        .map_err(|e| format!("module: {e:#}"))?
        .validate(false)
        .encode()
        .map_err(|e| format!("encode: {e:#}"))
}

/// The type of `wrap`'s field `x` in the component `wit` describes (see
/// [`crate::wit_type::WitType::package`]), compiled each time: the `wit_json` target
/// keeps what it compiles.
///
/// # Errors
///
/// Why the WIT could not be parsed, encoded or compiled.
pub fn field_type(wit: &str) -> Result<Type, String> {
    let engine = engine()?;
    let component = Component::new(engine, build(wit)?).map_err(|e| format!("compile: {e:#}"))?;
    for (_, export) in component.component_type().exports(engine) {
        let ComponentItem::ComponentInstance(instance) = export.ty else { continue };
        for (name, item) in instance.exports(engine) {
            if name == "wrap"
                && let ComponentItem::Type(Type::Record(record)) = item.ty
                && let Some(field) = record.fields().next()
            {
                return Ok(field.ty);
            }
        }
    }
    Err("the component exports no record `wrap` with a field".to_owned())
}
