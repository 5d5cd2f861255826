//! Pre-initialized interpreters: an interpreter's `wizer-initialize` runs once, its
//! memory is snapshotted into a new component (wasmtime-wizer), and every script
//! run instantiates that snapshot, so no run builds an engine from scratch.
//!
//! The initializer runs with WASI granted nothing and `cemcp:host/dispatch`
//! refusing every call (it traps), under a time and memory bound: it is the admin's
//! pinned interpreter, but its code still runs sandboxed. The snapshot is a pure
//! function of the component's bytes, kept beside the compiled components
//! ([`crate::cache::ComponentCache::derived`]).

use std::time::Duration;

use futures_util::FutureExt as _;
use wasmtime::component::{Component, HasSelf, Instance, Linker, ResourceTable, WasmList};
use wasmtime::{Engine, Store, StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wizer::{ComponentInstanceState, Wizer};

use super::interpreter::cemcp::host::dispatch;

/// The initializer's time bound, in epoch ticks.
const INIT_TIME: Duration = Duration::from_secs(60);
/// The initializer's memory bound.
const INIT_MEMORY: usize = 1 << 30;

struct State {
    wasi: WasiCtx,
    table: ResourceTable,
    limits: StoreLimits,
}

impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

/// No tool exists while an interpreter initializes: any call traps.
impl dispatch::Host for State {
    fn call(&mut self, _: String, _: String, _: String) -> wasmtime::Result<Result<String, dispatch::CallError>> {
        wasmtime::bail!("`wizer-initialize` may not call tools")
    }

    fn functions(&mut self) -> wasmtime::Result<Vec<String>> {
        wasmtime::bail!("`wizer-initialize` may not call tools")
    }
}

/// The snapshot of `wasm` after its `wizer-initialize`.
///
/// # Errors
///
/// When the component cannot be instrumented, its initializer traps or exceeds its
/// bounds, or its state cannot be snapshotted.
pub(crate) fn snapshot(engine: &Engine, wasm: &[u8]) -> wasmtime::Result<Vec<u8>> {
    let mut wizer = Wizer::new();
    // The typed bindings expect the world's exports, this one included (it is never
    // called again: the snapshot is the initialized state).
    wizer.keep_init_func(true);
    let (context, instrumented) = wizer.instrument_component(wasm)?;
    let component = Component::new(engine, &instrumented)?;
    let mut linker = Linker::new(engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
    dispatch::add_to_linker::<State, HasSelf<State>>(&mut linker, |state| state)?;
    let limits = StoreLimitsBuilder::new().memory_size(INIT_MEMORY).build();
    let state = State { wasi: WasiCtx::builder().build(), table: ResourceTable::new(), limits };
    let mut store = Store::new(engine, state);
    store.limiter(|state| &mut state.limits);
    store.set_fuel(u64::MAX)?;
    let ticks = INIT_TIME.as_millis() / crate::engine::TICK.as_millis().max(1);
    store.set_epoch_deadline(u64::try_from(ticks).unwrap_or(u64::MAX));
    let instance = linker.instantiate(&mut store, &component)?;
    let initialize = instance.get_typed_func::<(), ()>(&mut store, "wizer-initialize")?;
    initialize.call(&mut store, ())?;
    // Every call in the snapshot is synchronous: its future is ready at once.
    let mut state = Snapshotted { store: &mut store, instance, error: None };
    let snapshot = wizer
        .snapshot_component(&context, &mut state)
        .now_or_never()
        .ok_or_else(|| wasmtime::format_err!("(internal) the snapshot did not complete synchronously"))??;
    match state.error {
        Some(error) => Err(error.context("cannot read the initialized state")),
        None => Ok(snapshot),
    }
}

/// The instance being snapshotted, read through the accessors wizer adds.
struct Snapshotted<'a> {
    store: &'a mut Store<State>,
    instance: Instance,
    /// The first accessor that failed: the snapshot is then refused.
    error: Option<wasmtime::Error>,
}

impl Snapshotted<'_> {
    fn call<R: wasmtime::component::ComponentType + wasmtime::component::Lift + Send + Sync + 'static>(
        &mut self,
        instance: &str,
        func: &str,
    ) -> wasmtime::Result<R> {
        let (_, exported) = self
            .instance
            .get_export(&mut *self.store, None, instance)
            .ok_or_else(|| wasmtime::format_err!("no export `{instance}`"))?;
        let (_, index) = self
            .instance
            .get_export(&mut *self.store, Some(&exported), func)
            .ok_or_else(|| wasmtime::format_err!("no export `{instance}#{func}`"))?;
        let func = self.instance.get_typed_func::<(), (R,)>(&mut *self.store, index)?;
        Ok(func.call(&mut *self.store, ())?.0)
    }

    /// The value of `instance#func`, or a default and the error kept.
    fn read<R: wasmtime::component::ComponentType + wasmtime::component::Lift + Send + Sync + Default + 'static>(
        &mut self,
        instance: &str,
        func: &str,
    ) -> R {
        self.call(instance, func).unwrap_or_else(|e| {
            self.error.get_or_insert(e);
            R::default()
        })
    }
}

impl ComponentInstanceState for Snapshotted<'_> {
    async fn call_func_ret_list_u8(&mut self, instance: &str, func: &str, contents: impl FnOnce(&[u8]) + Send) {
        match self.call::<WasmList<u8>>(instance, func) {
            Ok(list) => contents(list.as_le_slice(&*self.store)),
            Err(e) => {
                self.error.get_or_insert(e);
            }
        }
    }

    async fn call_func_ret_s32(&mut self, instance: &str, func: &str) -> i32 {
        self.read(instance, func)
    }

    async fn call_func_ret_s64(&mut self, instance: &str, func: &str) -> i64 {
        self.read(instance, func)
    }

    async fn call_func_ret_f32(&mut self, instance: &str, func: &str) -> u32 {
        self.read::<f32>(instance, func).to_bits()
    }

    async fn call_func_ret_f64(&mut self, instance: &str, func: &str) -> u64 {
        self.read::<f64>(instance, func).to_bits()
    }
}
