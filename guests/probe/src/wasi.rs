//! The probe's own WASI: every interface a wasm32-wasip2 program can import, tried
//! once each. cemcp grants programs none of them; each outcome is reported as data
//! (`{"ok": ...}` or `{"error": "..."}`) under a short name, for the tests to compare
//! with what the host documents.

use std::io::Read as _;

use serde_json::{Map, Value, json};
use wasip2::cli::{environment, stdin, terminal_stderr, terminal_stdin, terminal_stdout};
use wasip2::clocks::{monotonic_clock, wall_clock};
use wasip2::random::{insecure, insecure_seed, random};
use wasip2::sockets::{instance_network, ip_name_lookup};

use super::{net, outcome};

/// Every interface, tried in turn; `port` is a loopback TCP port to connect to.
pub fn everything(port: u16) -> Value {
    let mut seen = Map::new();
    let mut note = |name: &str, value: Value| {
        seen.insert(name.to_owned(), value);
    };
    note("environment", json!({ "ok": environment::get_environment() }));
    note("arguments", json!({ "ok": environment::get_arguments() }));
    note("initial-cwd", json!({ "ok": environment::initial_cwd() }));
    let preopens: Vec<String> = wasip2::filesystem::preopens::get_directories().into_iter().map(|(_, p)| p).collect();
    note("preopens", json!({ "ok": preopens }));
    for dir in ["/", "."] {
        note(&format!("list {dir}"), outcome(std::fs::read_dir(dir).map(|entries| entries.count())));
    }
    note("read /etc/passwd", outcome(std::fs::read_to_string("/etc/passwd")));
    note("create /tmp/cemcp-probe", outcome(std::fs::write("/tmp/cemcp-probe", "x")));
    note("stdin", stdin_outcome());
    let terminals = [
        terminal_stdin::get_terminal_stdin().is_some(),
        terminal_stdout::get_terminal_stdout().is_some(),
        terminal_stderr::get_terminal_stderr().is_some(),
    ];
    note("terminals", json!({ "ok": terminals }));
    for (name, value) in clocks() {
        note(&name, value);
    }
    note("random", json!({ "ok": hex(&random::get_random_bytes(16)) }));
    note("insecure-random", json!({ "ok": hex(&insecure::get_insecure_random_bytes(16)) }));
    note("insecure-seed", json!({ "ok": insecure_seed::insecure_seed() }));
    note("tcp-connect", outcome(net::tcp_connect(port)));
    note("tcp-listen", outcome(net::tcp_listen()));
    note("udp-bind", outcome(net::udp_bind()));
    note("udp-send", outcome(net::udp_send(port)));
    note("name-lookup", lookup("localhost"));
    Value::Object(seen)
}

/// Both clocks, each with its resolution: `{"wall-clock": {"ok": {"now": [s, ns],
/// "resolution": [s, ns]}}, "monotonic-clock": {"ok": {"now": ns, "resolution": ns}}}`.
pub fn clocks() -> Map<String, Value> {
    let (now, resolution) = (wall_clock::now(), wall_clock::resolution());
    let mut clocks = Map::new();
    clocks.insert(
        "wall-clock".into(),
        json!({ "ok": {
            "now": [now.seconds, now.nanoseconds],
            "resolution": [resolution.seconds, resolution.nanoseconds],
        } }),
    );
    clocks.insert(
        "monotonic-clock".into(),
        json!({ "ok": { "now": monotonic_clock::now(), "resolution": monotonic_clock::resolution() } }),
    );
    clocks
}

/// Reads stdin through std (end of input reads 0 bytes) and through WASI itself.
fn stdin_outcome() -> Value {
    let mut buf = [0u8; 16];
    let through_std = std::io::stdin().read(&mut buf);
    let through_wasi = stdin::get_stdin().read(16);
    match (through_std, through_wasi) {
        (Ok(0), Err(e)) => json!({ "error": format!("0 bytes, then {e}") }),
        (std, wasi) => json!({ "ok": format!("{std:?} / {wasi:?}") }),
    }
}

/// `wasi:sockets/ip-name-lookup` for `name`, straight through WASI (std has no lookup
/// of its own on this target).
fn lookup(name: &str) -> Value {
    let stream = match ip_name_lookup::resolve_addresses(&instance_network::instance_network(), name) {
        Ok(stream) => stream,
        Err(e) => return json!({ "error": e.to_string() }),
    };
    let mut found = Vec::new();
    loop {
        match stream.resolve_next_address() {
            Ok(Some(address)) => found.push(format!("{address:?}")),
            Ok(None) => return json!({ "ok": found }),
            Err(ip_name_lookup::ErrorCode::WouldBlock) => stream.subscribe().block(),
            Err(e) => return json!({ "error": e.to_string() }),
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
