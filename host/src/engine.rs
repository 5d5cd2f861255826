//! The one wasmtime [`Engine`] a runtime uses, and the thread that drives its epoch.

use std::time::Duration;

use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

/// How often the epoch advances. Time limits and cancellation are checked once per
/// tick, so this is their resolution (and the most a cancel waits).
pub const TICK: Duration = Duration::from_millis(5);

/// Builds the engine: component model on, epoch interruption for time limits and
/// cancellation, fuel metering available for per-component fuel limits, and the
/// pooling instance allocator.
///
/// The pooling allocator reserves slots for memories, tables and instances up front
/// (virtual address space, not memory), so instantiating takes microseconds instead
/// of mapping and unmapping a fresh 4 GiB memory reservation each time. Its defaults
/// allow 1000 component instances, core instances, memories and tables at once
/// across all runs; an instantiation past that fails with a clear error rather than
/// degrading the host. Each memory may grow to 4 GiB; the manifest's limits are
/// enforced below that by [`crate::sandbox::limits::MemoryLimiter`]. Where the pool's address
/// space (about 4 TiB, reserved, not committed) is refused (`ulimit -v`, valgrind),
/// the engine falls back to on-demand allocation and logs a warning.
///
/// A background thread advances the epoch every [`TICK`] for as long as the engine
/// lives; it holds only a weak reference and ends when the engine is dropped.
///
/// # Errors
///
/// When wasmtime rejects the configuration on this host (an unsupported CPU).
pub fn new_engine() -> wasmtime::Result<Engine> {
    let mut config = Config::new();
    config.wasm_component_model(true);
    config.epoch_interruption(true);
    config.consume_fuel(true);
    let on_demand = config.clone();
    config.allocation_strategy(InstanceAllocationStrategy::Pooling(PoolingAllocationConfig::default()));
    let engine = Engine::new(&config).or_else(|e| {
        tracing::warn!("the pooling allocator is unavailable ({e:#}); instantiating on demand, which is slower");
        Engine::new(&on_demand)
    })?;
    let weak = engine.weak();
    std::thread::Builder::new()
        .name("cemcp-epoch".into())
        .spawn(move || {
            while let Some(engine) = weak.upgrade() {
                engine.increment_epoch();
                drop(engine);
                std::thread::sleep(TICK);
            }
        })
        .map_err(|e| wasmtime::format_err!("cannot start the epoch thread: {e}"))?;
    Ok(engine)
}
