//! The one wasmtime [`Engine`] a runtime uses, and the thread that drives its epoch.

use std::time::Duration;

use wasmtime::{Config, Enabled, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

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
    engine_with(PoolingAllocationConfig::default())
}

/// How many runs a runtime admits at once, and the most component instances one run
/// can have (its program and one per tool its profile grants).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolSize {
    /// Runs at once (`[server] max-runs`).
    pub runs: usize,
    /// Component instances per run.
    pub instances_per_run: usize,
    /// Tools declared: each may have one instance made ahead of its use
    /// (`tool::spare`).
    pub tools: usize,
}

/// Core instances, memories and tables counted per component instance when sizing
/// the pool's totals: components are made of several core modules (a tool built by
/// wit-bindgen has its module and WASI adapter shims; an interpreter a few more).
const CORE_PER_COMPONENT: u32 = 16;

/// Component instances beyond the runs' own: tools-mode calls and an interpreter's
/// one-time pre-initialization, which are not counted as runs.
const SPARE_INSTANCES: u32 = 16;

/// Room for what is not a run's but holds pool slots: tools mode's instances made
/// ahead (one per tool) and the used ones queued to be dropped in the background (at
/// most [`crate::background::QUEUE`]).
fn ahead_instances(size: PoolSize) -> usize {
    size.tools.saturating_add(crate::background::QUEUE)
}

/// [`new_engine`] with the pool sized for `size`: every run admitted finds its
/// slots, and the pool reserves (address space only) no more than that. Should
/// instantiation still run out of slots, the error says which pool
/// ([`wasmtime::PoolConcurrencyLimitError`]) and cemcp reports it in words.
///
/// # Errors
///
/// As [`new_engine`].
pub fn new_engine_for(size: PoolSize) -> wasmtime::Result<Engine> {
    let runs = u32::try_from(size.runs).unwrap_or(u32::MAX);
    let per_run = u32::try_from(size.instances_per_run).unwrap_or(u32::MAX);
    let ahead = u32::try_from(ahead_instances(size)).unwrap_or(u32::MAX);
    let components = runs.saturating_mul(per_run).saturating_add(SPARE_INSTANCES).saturating_add(ahead);
    let core = components.saturating_mul(CORE_PER_COMPONENT);
    let mut pool = PoolingAllocationConfig::default();
    pool.total_component_instances(components).total_core_instances(core).total_memories(core).total_tables(core);
    engine_with(pool)
}

/// The pool's settings shared by every engine.
///
/// - No stacks for asynchronous calls. cemcp calls WebAssembly synchronously (on
///   blocking threads), so it never uses them, and wasmtime would otherwise map 1,000
///   of 2 MiB each and protect a guard page in each, one system call apiece, every
///   time an engine starts (about 2 ms of `cemcp serve`'s start-up, measured for
///   issue 14) and unmap them at exit.
/// - Where the kernel has the `PAGEMAP_SCAN` ioctl (Linux 6.7 and later), a freed
///   memory or table slot is reset by finding the pages the instance wrote and
///   restoring those (up to [`MEMORY_KEEP_RESIDENT`] and [`TABLE_KEEP_RESIDENT`] bytes;
///   past that, `madvise` as before), so they stay mapped for the next instance.
///   Before, every slot was given back with `madvise(MADV_DONTNEED)` and its next
///   instance faulted each page in again: half of a run launch's time (issue 14,
///   `perf`). Measured with the launch benchmark: program + 2 tools 146 → 77-79 µs,
///   program alone 46 → 25 µs. Either way the next instance sees the memory exactly
///   as its module's image has it (wasmtime's reset; the test
///   `sandbox::no_run_finds_what_an_earlier_run_wrote_in_its_memory` checks it).
///   Without the ioctl, keeping pages resident means clearing them whole, which
///   measured slower than `madvise` (52 against 46 µs for the program alone), so it
///   is not done.
fn pool_settings(mut pool: PoolingAllocationConfig) -> PoolingAllocationConfig {
    pool.total_stacks(0);
    if PoolingAllocationConfig::is_pagemap_scan_available() {
        pool.pagemap_scan(Enabled::Yes)
            .linear_memory_keep_resident(MEMORY_KEEP_RESIDENT)
            .table_keep_resident(TABLE_KEEP_RESIDENT);
    }
    pool
}

/// The most of a freed linear memory slot restored in place rather than unmapped.
/// 64 KiB measured the same as 16 MiB for the shipped tools; 256 KiB leaves room
/// for bigger ones while bounding what idle warm slots keep: wasmtime keeps at most
/// 100 of them (`max_unused_warm_slots`), so with [`TABLE_KEEP_RESIDENT`] at most
/// about 31 MiB more resident memory.
pub const MEMORY_KEEP_RESIDENT: usize = 256 << 10;

/// [`MEMORY_KEEP_RESIDENT`] for tables (a table slot's pages are reset too; without
/// keeping them, launch measured 108 µs instead of 77).
pub const TABLE_KEEP_RESIDENT: usize = 64 << 10;

fn engine_with(pool: PoolingAllocationConfig) -> wasmtime::Result<Engine> {
    let mut config = Config::new();
    config.wasm_component_model(true);
    config.epoch_interruption(true);
    config.consume_fuel(true);
    let on_demand = config.clone();
    config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool_settings(pool)));
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
