//! Interpreter components (world `cemcp:host/interpreter`): the program that runs a
//! script. It is linked like any program, with one difference: instead of tool
//! interfaces it imports `cemcp:host/dispatch`, answered by the run's forwarding
//! ([`super::dispatch`]) with the functions its profile grants.

use std::sync::Arc;

use wasmtime::Engine;
use wasmtime::component::types::ComponentItem;
use wasmtime::component::{Component, HasSelf, Linker};

use super::dispatch::Dispatch;
use super::forward::{RunState, ToolTarget};
use super::link::{Entry, Program, ProgramError};
use crate::cache::CacheOutcome;
use crate::gate::CallPolicy;
use crate::manifest::Language;
use crate::profile::Profile;
use crate::tool::Tool;

wasmtime::component::bindgen!({
    path: "../wit/host",
    world: "interpreter",
    imports: { default: trappable },
});

/// The interface an interpreter imports to reach tools.
const DISPATCH: &str = "cemcp:host/dispatch";

/// Checks an interpreter component and links it for `profile`.
///
/// # Errors
///
/// When it does not export `run-script` with the interpreter world's type, or
/// imports anything but WASI and `cemcp:host/dispatch`.
pub(crate) fn link(
    engine: &Engine,
    component: &Component,
    digest: String,
    cache: CacheOutcome,
    language: Language,
    profile: &Profile,
) -> Result<Program, ProgramError> {
    for (name, _) in component.component_type().imports(engine) {
        if !name.starts_with("wasi:") && !name.starts_with(DISPATCH) {
            return Err(ProgramError::Import {
                import: name.to_owned(),
                reason: format!("which an interpreter may not import (only WASI and `{DISPATCH}`)"),
            });
        }
    }
    if !matches!(component.get_export(None, "run-script"), Some((ComponentItem::ComponentFunc(_), _))) {
        return Err(ProgramError::NoRun(format!(
            "it is declared as the {language} interpreter but exports no `run-script` (world cemcp:host/interpreter)"
        )));
    }
    let mut linker = Linker::<RunState>::new(engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker)
        .and_then(|()| crate::sandbox::blocking::add_to_linker(&mut linker))
        .and_then(|()| cemcp::host::dispatch::add_to_linker::<RunState, HasSelf<RunState>>(&mut linker, |s| s))
        .map_err(|e| ProgramError::Link(crate::failure::plain(&e)))?;
    let pre = linker.instantiate_pre(component).map_err(|e| ProgramError::Link(crate::failure::plain(&e)))?;
    let script = InterpreterPre::new(pre.clone()).map_err(|e| ProgramError::NoRun(crate::failure::plain(&e)))?;

    let mut tools: Vec<Arc<Tool>> = Vec::new();
    let mut call_labels = Vec::new();
    let mut policies = Vec::new();
    let dispatch = Dispatch::new(profile, |function| {
        let (tool, interface, func) = (function.tool, function.interface_index, function.func_index);
        policies.push(CallPolicy::new(profile, function));
        let slot = match tools.iter().position(|t| Arc::ptr_eq(t, tool)) {
            Some(slot) => slot,
            None => {
                tools.push(Arc::clone(tool));
                tools.len() - 1
            }
        };
        let name = tool.func(interface, func).map(|f| f.name.as_str()).unwrap_or_default();
        call_labels.push(format!("{}.{name}", tool.name));
        ToolTarget::new(call_labels.len() - 1, slot, interface, func)
    });
    Ok(Program {
        digest,
        profile: profile.name.clone(),
        limits: profile.limits,
        imports: vec![DISPATCH.to_owned()],
        cache,
        tools,
        call_labels,
        policies: policies.into(),
        policy: Arc::clone(&profile.policy),
        size: 0,
        pre,
        entry: Entry::Script { language, exports: script, dispatch: Arc::new(dispatch) },
    })
}
