//! The `program` target: arbitrary components offered as programs, loaded with
//! [`Runtime::load_program`] and run with tight limits (100 ms, 16 MiB, 10 M fuel).
//!
//! The input chooses what is offered:
//! - bytes that start with `\0asm` are offered as they are (seeds: the real programs
//!   `report.wasm` and `probe.wasm` in `target/guests/wasm32-wasip2/release/`);
//! - otherwise the first byte picks a generator and the rest drives `wasm-smith`:
//!   a core module with the exports of world `cemcp:host/program` (`run`, its
//!   post-return, `memory`, `cabi_realloc`) and random code, wrapped into a component
//!   by `wit-component`, so that it links and runs; a random component; or a random
//!   core module (which is not a component).
//!
//! What must hold: loading refuses with a message or gives a program; a run ends
//! within its limits with an error that says something or an output that is JSON
//! (the host checks it); nothing panics or hangs (libFuzzer's `-timeout` catches a
//! hang). The runtime is built once per process from [`MANIFEST`] (the `files` and
//! `kv` tools, which mutated real programs import).

use std::sync::OnceLock;

use arbitrary::Unstructured;
use cemcp::{CancelToken, ComponentCache, Runtime};
use wit_component::{ComponentEncoder, StringEncoding};
use wit_parser::{LiftLowerAbi, ManglingAndAbi, Resolve};

/// The manifest programs are checked against; `{GUESTS}` and `{DATA}` are filled in.
pub const MANIFEST: &str = r#"
version = 1
default-profile = "fuzz"

[server]
max-runs = 2

[tool.files]
component = "{GUESTS}/files.wasm"
dir = [{ host = "{DATA}/docs", guest = "/docs", access = "read-only" }]
limits = { time = "100ms", memory = "16 MiB", fuel = 10000000 }

[tool.kv]
component = "{GUESTS}/kv.wasm"
dir = [{ host = "{DATA}/store", guest = "/store", access = "read-write", create = true }]
storage-quota = "256 KiB"
limits = { time = "100ms", memory = "16 MiB", fuel = 10000000 }

[profile.fuzz]
tools = ["files", "kv"]
limits = { time = "100ms", memory = "16 MiB", fuel = 10000000, calls = 20, output = "64 KiB" }
"#;

/// The program world, as the host's WIT states it.
const PROGRAM_WIT: &str = include_str!("../../../wit/host/program.wit");

static RUNTIME: OnceLock<Runtime> = OnceLock::new();
static EXPORTS: OnceLock<Option<Vec<u8>>> = OnceLock::new();

/// The runtime, built on first use.
///
/// # Panics
///
/// When the guests are not built: the target cannot run, and says what to do.
pub fn runtime() -> &'static Runtime {
    RUNTIME.get_or_init(|| match make_runtime() {
        Ok(runtime) => runtime,
        Err(e) => panic!("the program target cannot start: {e:#}"),
    })
}

fn make_runtime() -> anyhow::Result<Runtime> {
    let manifest = crate::target_manifest("program", MANIFEST, &[("a.txt", "alpha beta\n")])?;
    Ok(Runtime::new(manifest, ComponentCache::disabled())?)
}

/// The target.
pub fn program(data: &[u8]) {
    if let Some(wasm) = offered(data) {
        offer(runtime(), &wasm);
    }
}

/// The bytes `data` offers as a program; `None` when a generator gave up (too few
/// bytes, or wit-component refused the module: a limit of the generator, not a
/// finding). For the smoke test's check that generators mostly succeed, too.
pub fn offered(data: &[u8]) -> Option<Vec<u8>> {
    if data.starts_with(b"\0asm") {
        return Some(data.to_vec());
    }
    let (first, rest) = data.split_first()?;
    let mut u = Unstructured::new(rest);
    match first % 4 {
        0 | 1 => program_component(&mut u),
        2 => {
            let mut config: wasm_smith::Config = u.arbitrary().ok()?;
            config.max_components = config.max_components.min(4);
            config.max_instances = config.max_instances.min(4);
            Some(wasm_smith::Component::new(config, &mut u).ok()?.to_bytes())
        }
        _ => Some(wasm_smith::Module::new(core_config(&mut u)?, &mut u).ok()?.to_bytes()),
    }
}

/// Loads and runs `wasm` under the fuzz profile, checking what comes back.
pub fn offer(runtime: &Runtime, wasm: &[u8]) {
    let program = match runtime.load_program(wasm, None) {
        Ok(program) => program,
        Err(e) => {
            assert!(!e.to_string().trim().is_empty(), "a refusal that says nothing: {e:?}");
            return;
        }
    };
    match runtime.run(&program, "{}", &CancelToken::new()) {
        Ok(out) => assert!(
            serde_json::from_str::<serde_json::Value>(&out.output).is_ok(),
            "a run's output is not JSON: {:?}",
            out.output
        ),
        Err(e) => assert!(!e.to_string().trim().is_empty(), "a run error that says nothing: {e:?}"),
    }
}

/// wasm-smith settings for modules wasmtime and wit-component take: no imports,
/// 32-bit memories, no threads, GC or exceptions; small.
fn core_config(u: &mut Unstructured<'_>) -> Option<wasm_smith::Config> {
    let mut config: wasm_smith::Config = u.arbitrary().ok()?;
    config.max_imports = 0;
    config.memory64_enabled = false;
    config.threads_enabled = false;
    config.shared_everything_threads_enabled = false;
    config.gc_enabled = false;
    config.exceptions_enabled = false;
    config.custom_page_sizes_enabled = false;
    config.max_memory32_bytes = config.max_memory32_bytes.min(64 << 20);
    config.max_funcs = config.max_funcs.min(32);
    config.max_instructions = config.max_instructions.min(200);
    Some(config)
}

/// The core exports world `cemcp:host/program` needs, as an export template for
/// wasm-smith; and the encoder's view of the world.
fn program_world() -> Option<(Resolve, wit_parser::WorldId)> {
    let mut resolve = Resolve::default();
    let package = resolve.push_str("program.wit", PROGRAM_WIT).ok()?;
    let world = resolve.select_world(&[package], Some("program")).ok()?;
    Some((resolve, world))
}

fn program_component(u: &mut Unstructured<'_>) -> Option<Vec<u8>> {
    let exports = EXPORTS
        .get_or_init(|| {
            let (resolve, world) = program_world()?;
            Some(wit_component::dummy_module(&resolve, world, ManglingAndAbi::Legacy(LiftLowerAbi::Sync)))
        })
        .clone()?;
    let mut config = core_config(u)?;
    config.exports = Some(exports);
    let mut module = wasm_smith::Module::new(config, u).ok()?.to_bytes();
    let (resolve, world) = program_world()?;
    wit_component::embed_component_metadata(&mut module, &resolve, world, StringEncoding::UTF8).ok()?;
    ComponentEncoder::default().module(&module).ok()?.validate(true).encode().ok()
}
