//! The one wasmtime [`Engine`] a runtime uses, and the thread that drives its epoch.

use std::time::Duration;

use wasmtime::{Config, Engine};

/// How often the epoch advances. Time limits and cancellation are checked once per
/// tick, so this is their resolution (and the most a cancel waits).
pub const TICK: Duration = Duration::from_millis(5);

/// Builds the engine: component model on, epoch interruption for time limits and
/// cancellation, fuel metering available for per-component fuel limits.
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
    let engine = Engine::new(&config)?;
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
