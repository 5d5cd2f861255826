//! `probe`: a fixture program for cemcp's tests. Its input names one action; most of
//! them try something the sandbox must refuse or stop, and report what happened.
//!
//! Input: `{"do": "<action>", ...}` where action is one of
//! - `loop`: spin forever (stopped by the time limit);
//! - `sleep` `{"ms": n}`: sleep, blocked in the host, for n milliseconds;
//! - `alloc` `{"mib": n}`: allocate n MiB (stopped by the memory limit);
//! - `fs-read` `{"path": p}`: read a file through the program's own WASI;
//! - `fs-list` `{"path": p}`: list a directory through the program's own WASI;
//! - `env`: list the environment variables the program can see;
//! - `wasi-all` `{"port": n}`: try every WASI interface a program can import (it is
//!   granted none of them) and report each outcome by interface name: environment,
//!   arguments and working directory, preopens and paths, stdin and terminals, clocks,
//!   randomness, TCP to 127.0.0.1:n, UDP, listening, and name lookup;
//! - `clocks`: read the wall and monotonic clocks and their resolutions;
//! - `random-bytes` `{"bytes": n}`: ask WASI for n random bytes in one call;
//! - `files-read` `{"path": p, "offset"?: n, "length"?: n}`, `files-list` / `files-stat`
//!   `{"path": p}`, `files-search` `{"pattern": s, "regex": b, "path": p, "max": n}`:
//!   call the `files` tool;
//! - `kv-put` `{"key": k, "value": v}`, `kv-get` / `kv-delete` `{"key": k}`, `kv-list`
//!   `{"prefix": p}`: call the `kv` tool;
//! - `flaky` `{"calls": ["count", "boom", "spin", "hog:64", "nap:100", "connect:ip:port",
//!   "shout:10", "now", "random", ...]}`: call the `flaky` tool in order and collect
//!   each result or error;
//! - `http-get` `{"url": u, "headers"?: [[k, v]], "max"?: n}` and `http-post` (with
//!   `"body"`): call the `http` tool;
//! - `config-get` `{"name": n}`, `config-names`: call the `config` tool;
//! - `big` `{"bytes": n}`: return n bytes of output;
//! - `exit` `{"code": n}`: call `exit(n)` instead of returning;
//! - `steps` `{"steps": [action, ...]}`: perform several actions in one run, in order,
//!   and return their outcomes as a list;
//! - `two-tools`: call `flaky.count` and `files.stat("")` once each (run launch cost);
//! - `call-loop` `{"n": n, "echo": bool}`: call `flaky.count` (or `flaky.echo`) n times
//!   (per-call forwarding cost);
//! - `residue` `{"kib": [n, ...]}`: look for what an earlier run left in this memory:
//!   read (and then zero) a word of the data segment, and allocate zeroed blocks of
//!   the sizes given, count their bytes that are not zero, then fill them with 0xCD;
//!   every run must find the word as the image has it and no byte set.

use cemcp::config::config;
use cemcp::files::files;
use cemcp::fixtures::flaky;
use cemcp::http::http;
use cemcp::kv::kv;
use serde::Deserialize;
use serde_json::{Value, json};

mod net;
mod wasi;

wit_bindgen::generate!({
    path: ["../../wit/host", "../../wit/files", "../../wit/kv", "../../wit/fixtures", "../../wit/http", "../../wit/config"],
    inline: "
        package cemcp:probe;
        world probe {
            include cemcp:host/program@0.1.0;
            import cemcp:files/files@0.1.0;
            import cemcp:kv/kv@0.1.0;
            import cemcp:fixtures/flaky@0.1.0;
            import cemcp:http/http@0.1.0;
            import cemcp:config/config@0.1.0;
        }
    ",
    world: "cemcp:probe/probe",
    generate_all,
});

#[derive(Deserialize)]
#[serde(tag = "do", rename_all = "kebab-case")]
enum Action {
    Loop,
    Sleep {
        ms: u64,
    },
    Alloc {
        mib: u32,
    },
    FsRead {
        path: String,
    },
    FsList {
        path: String,
    },
    Env,
    WasiAll {
        port: u16,
    },
    Clocks,
    RandomBytes {
        bytes: u64,
    },
    FilesRead {
        path: String,
        #[serde(default)]
        offset: u64,
        length: Option<u64>,
    },
    FilesSearch {
        pattern: String,
        regex: bool,
        path: String,
        max: u32,
    },
    FilesList {
        path: String,
    },
    FilesStat {
        path: String,
    },
    KvPut {
        key: String,
        value: String,
    },
    KvGet {
        key: String,
    },
    KvDelete {
        key: String,
    },
    KvList {
        prefix: String,
    },
    Flaky {
        calls: Vec<String>,
    },
    TwoTools,
    Residue {
        kib: Vec<usize>,
    },
    Exit {
        code: i32,
    },
    Big {
        bytes: usize,
    },
    Steps {
        steps: Vec<Action>,
    },
    HttpGet {
        url: String,
        #[serde(default)]
        headers: Vec<(String, String)>,
        max: Option<u32>,
    },
    HttpPost {
        url: String,
        #[serde(default)]
        headers: Vec<(String, String)>,
        body: String,
        max: Option<u32>,
    },
    ConfigGet {
        name: String,
    },
    ConfigNames,
    CallLoop {
        n: u32,
        #[serde(default)]
        echo: bool,
    },
}

struct Probe;

impl Guest for Probe {
    fn run(input: String) -> Result<String, String> {
        let action: Action = serde_json::from_str(&input).map_err(|e| format!("invalid input: {e}"))?;
        Ok(perform(action).to_string())
    }
}

/// A word of the data segment: every run must find it as the image has it.
static IMAGE_WORD: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0x5EED_CAFE);

/// The `residue` action (see the module's docs).
fn residue(kib: &[usize]) -> Value {
    let word = IMAGE_WORD.swap(0, std::sync::atomic::Ordering::Relaxed);
    let mut nonzero = 0usize;
    let mut blocks = Vec::new();
    for size in kib {
        let mut block = vec![0u8; size.saturating_mul(1024)];
        nonzero += block.iter().filter(|b| **b != 0).count();
        block.fill(0xCD);
        blocks.push(block);
    }
    std::hint::black_box(blocks);
    json!({ "ok": { "image-word": format!("{word:08x}"), "nonzero": nonzero } })
}

fn perform(action: Action) -> Value {
    {
        match action {
            Action::Steps { steps } => Value::Array(steps.into_iter().map(perform).collect()),
            Action::Loop => {
                let mut n = 0u64;
                loop {
                    n = std::hint::black_box(n.wrapping_add(1));
                }
            }
            Action::Sleep { ms } => {
                std::thread::sleep(std::time::Duration::from_millis(ms));
                json!({ "ok": ms })
            }
            Action::Alloc { mib } => {
                let mut chunks: Vec<Vec<u8>> = Vec::new();
                for _ in 0..mib {
                    chunks.push(vec![1u8; 1 << 20]);
                }
                json!({ "ok": std::hint::black_box(chunks).len() })
            }
            Action::FsRead { path } => outcome(std::fs::read_to_string(&path).map_err(|e| e.to_string())),
            Action::FsList { path } => outcome(
                std::fs::read_dir(&path)
                    .map(|dir| {
                        dir.filter_map(Result::ok)
                            .map(|e| e.file_name().to_string_lossy().into_owned())
                            .collect::<Vec<_>>()
                    })
                    .map_err(|e| e.to_string()),
            ),
            Action::Env => json!({ "ok": std::env::vars().map(|(k, _)| k).collect::<Vec<_>>() }),
            Action::WasiAll { port } => wasi::everything(port),
            Action::Clocks => Value::Object(wasi::clocks()),
            Action::RandomBytes { bytes } => json!({ "ok": wasip2::random::random::get_random_bytes(bytes).len() }),
            Action::FilesRead { path, offset, length } => outcome(files::read(&path, offset, length)),
            Action::FilesSearch { pattern, regex, path, max } => {
                let mode = if regex { files::MatchMode::Regex } else { files::MatchMode::Substring };
                outcome(files::search(&pattern, mode, &path, max).map(|hits| {
                    hits.into_iter().map(|h| format!("{}:{}:{}", h.path, h.line, h.text)).collect::<Vec<_>>()
                }))
            }
            Action::FilesList { path } => {
                outcome(files::list(&path).map(|entries| entries.into_iter().map(|e| e.name).collect::<Vec<_>>()))
            }
            Action::FilesStat { path } => outcome(files::stat(&path).map(|m| m.size)),
            Action::KvPut { key, value } => outcome(kv::put(&key, &value).map(|()| Value::Null)),
            Action::KvGet { key } => outcome(kv::get(&key)),
            Action::KvDelete { key } => outcome(kv::delete(&key)),
            Action::KvList { prefix } => outcome(kv::list(&prefix)),
            Action::HttpGet { url, headers, max } => {
                outcome(http::get(&url, &headers, max.unwrap_or(1 << 20)).map(response))
            }
            Action::HttpPost { url, headers, body, max } => {
                outcome(http::post(&url, &headers, &body, max.unwrap_or(1 << 20)).map(response))
            }
            Action::ConfigGet { name } => outcome(config::get(&name)),
            Action::ConfigNames => outcome(config::names()),
            Action::Big { bytes } => json!({ "ok": "x".repeat(bytes) }),
            Action::Exit { code } => std::process::exit(code),
            Action::Residue { kib } => residue(&kib),
            Action::TwoTools => json!({ "ok": [flaky::count().ok(), files::stat("").ok().map(|m| m.size)] }),
            Action::CallLoop { n, echo } => {
                // Nothing but the call in the loop (no formatting), so that the loop
                // measures forwarding and not the program's own work.
                let (mut text, mut count) = (String::new(), 0);
                for _ in 0..n {
                    if echo {
                        text = flaky::echo("hello, tool").unwrap_or_default();
                    } else {
                        count = flaky::count().unwrap_or_default();
                    }
                }
                json!({ "ok": if echo { text } else { count.to_string() } })
            }
            Action::Flaky { calls } => Value::Array(calls.iter().map(|call| flaky_call(call)).collect()),
        }
    }
}

fn flaky_call(call: &str) -> Value {
    match call.split_once(':') {
        Some(("hog", mib)) => outcome(flaky::hog(mib.parse().unwrap_or(0))),
        Some(("connect", addr)) => outcome(flaky::connect(addr).map(|()| Value::Null)),
        Some(("shout", lines)) => outcome(flaky::shout(lines.parse().unwrap_or(0))),
        Some(("nap", ms)) => outcome(flaky::nap(ms.parse().unwrap_or(0)).map(|()| Value::Null)),
        _ => match call {
            "count" => outcome(flaky::count()),
            "boom" => outcome(flaky::boom()),
            "spin" => outcome(flaky::spin()),
            "now" => outcome(flaky::now()),
            "random" => outcome(flaky::random()),
            other => json!({ "error": format!("probe: unknown flaky call `{other}`") }),
        },
    }
}

fn response(r: http::Response) -> Value {
    json!({ "status": r.status, "headers": r.headers, "body": r.body, "truncated": r.truncated })
}

fn outcome<T: serde::Serialize, E: std::fmt::Display>(result: Result<T, E>) -> Value {
    match result {
        Ok(value) => json!({ "ok": value }),
        Err(error) => json!({ "error": error.to_string() }),
    }
}

export!(Probe);
