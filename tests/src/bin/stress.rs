//! `stress`: issue 13's load and endurance goals, measured.
//!
//! - `stress http`: 1,000 concurrent `run_program` requests over Streamable HTTP from
//!   this process, on loopback, to a `cemcp serve --http` it starts; every answer must
//!   be the run's output or the documented busy refusal. Prints counts and p50/p99.
//! - `stress soak`: 100,000 sequential runs through the `Runtime` API (`--over-http`:
//!   as requests to a `cemcp serve`, watching the server); resident memory at the end
//!   must be within 10 % of after the first 1,000.
//!
//! - `stress calls`: tools-mode `kv_get` round trips from a minimal synchronous client
//!   to cemcp and to the native rmcp server, alternated; medians and their ratio
//!   against issue 14's goal (see `cemcp_tests::stress::calls`).
//!
//! Each exits 1 when its goal is missed. Run in release, as the figures in
//! BENCHMARKS.md were: `cargo run --release -p cemcp-tests --bin stress -- http`.
//! (`stress cemcp ...` is cemcp itself: the server `stress http` starts.)

use std::process::ExitCode;
use std::time::Duration;

use cemcp_tests::stress::{calls, http, ms, quantile, soak};
use cemcp_tests::study::serve::Cemcp;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(about = "Measures cemcp under load (issue 13's goals); exits 1 when a goal is missed")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Concurrent `run_program` requests over Streamable HTTP on loopback.
    Http {
        /// Requests in all.
        #[arg(long, default_value_t = 1000)]
        requests: usize,
        /// Requests in flight at once.
        #[arg(long, default_value_t = 1000)]
        concurrency: usize,
        /// `[server]` settings for the manifest, e.g. `--server "queue = 1000"`
        /// (repeatable); the defaults otherwise: runs at once = cores, 32 waiting per run.
        #[arg(long)]
        server: Vec<String>,
        /// The `probe` program's input: the default calls two tools once each.
        #[arg(long, default_value = r#"{"do": "two-tools"}"#)]
        input: String,
        /// Every request must be answered within this.
        #[arg(long, default_value = "300s", value_parser = humantime::parse_duration)]
        deadline: Duration,
    },
    /// Sequential runs through the `Runtime` API (or over HTTP), watching resident memory.
    Soak {
        /// Runs in all (more than 1,000).
        #[arg(long, default_value_t = 100_000)]
        runs: usize,
        /// Send the runs as `run_program` requests over HTTP to a `cemcp serve` on
        /// loopback, and watch the server's memory.
        #[arg(long)]
        over_http: bool,
        /// The `probe` program's input: the default calls two tools once each.
        #[arg(long, default_value = r#"{"do": "two-tools"}"#)]
        input: String,
    },
    /// Tools-mode round trips from a minimal client, cemcp against a native server
    /// (`native_mcp`, built beside this binary), alternated.
    Calls {
        /// `kv_get` calls to each server.
        #[arg(long, default_value_t = 10_000)]
        calls: usize,
        /// Rounds the calls are split into, the servers taking turns.
        #[arg(long, default_value_t = 10)]
        rounds: usize,
    },
}

fn main() -> ExitCode {
    if std::env::args().nth(1).as_deref() == Some("cemcp") {
        return cemcp::cli::main(std::env::args().skip(1));
    }
    let outcome = match Cli::parse().command {
        Command::Http { requests, concurrency, server, input, deadline } => {
            serde_json::from_str(&input).map_err(anyhow::Error::from).and_then(|input| {
                let load = http::Load { requests, concurrency, server: server.join("\n"), input, deadline };
                over_http(&load)
            })
        }
        Command::Soak { runs, over_http, input } => soaked(runs, over_http, &input),
        Command::Calls { calls, rounds } => round_trips(calls, rounds),
    };
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("stress: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn over_http(load: &http::Load) -> anyhow::Result<bool> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let cemcp = Cemcp::this_binary()?;
    let server = if load.server.is_empty() { "defaults".to_owned() } else { load.server.replace('\n', ", ") };
    println!(
        "{} run_program requests, {} at once, over HTTP on loopback; [server] {server}",
        load.requests, load.concurrency
    );
    let outcome = runtime.block_on(http::run(&cemcp, load))?;
    println!(
        "answered in {}: {} ran, {} busy, {} other",
        ms(outcome.wall),
        outcome.ok.len(),
        outcome.busy.len(),
        outcome.failed.len()
    );
    for (what, times) in [("ran", &outcome.ok), ("busy", &outcome.busy)] {
        if !times.is_empty() {
            let (p50, p99, max) = (quantile(times, 0.5), quantile(times, 0.99), quantile(times, 1.0));
            println!("  {what:>4}: p50 {}, p99 {}, max {}", ms(p50), ms(p99), ms(max));
        }
    }
    for failure in outcome.failed.iter().take(5) {
        println!("  other: {failure}");
    }
    let met = outcome.failed.is_empty();
    println!("goal (every request ran or was refused as busy): {}", if met { "met" } else { "MISSED" });
    Ok(met)
}

/// Issue 14's goal for a tools-mode call: at most this many times a native call.
const CALL_GOAL: f64 = 1.2;

fn round_trips(calls: usize, rounds: usize) -> anyhow::Result<bool> {
    let cemcp = Cemcp::this_binary()?;
    let native = cemcp.path().with_file_name(format!("native_mcp{}", std::env::consts::EXE_SUFFIX));
    anyhow::ensure!(native.is_file(), "{} is not built (cargo build --release -p cemcp-tests)", native.display());
    println!("{calls} kv_get round trips to each server from a minimal synchronous client, in {rounds} rounds");
    let timed = calls::run(&cemcp, &native, calls.max(1), rounds)?;
    for (name, times) in &timed {
        let (p10, p50, p90) = (quantile(times, 0.1), quantile(times, 0.5), quantile(times, 0.9));
        println!("  {name:>18}: median {} (p10 {}, p90 {})", us(p50), us(p10), us(p90));
    }
    let median = |i: usize| timed.get(i).map_or(Duration::ZERO, |(_, times)| quantile(times, 0.5));
    let ratio = median(0).as_secs_f64() / median(1).as_secs_f64().max(f64::MIN_POSITIVE);
    let met = ratio <= CALL_GOAL;
    println!("cemcp / native: {ratio:.2}x; goal (at most {CALL_GOAL}x): {}", if met { "met" } else { "MISSED" });
    Ok(met)
}

fn us(d: Duration) -> String {
    format!("{:.1} µs", d.as_secs_f64() * 1e6)
}

fn soaked(runs: usize, over_http: bool, input: &str) -> anyhow::Result<bool> {
    #[expect(clippy::cast_precision_loss, reason = "for display")]
    let mib = |bytes: u64| format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0));
    let show = |n: usize, rss: u64| println!("  after {n:>7} runs: resident {}", mib(rss));
    let soak = if over_http {
        println!("{runs} sequential run_program requests (probe {input}) over HTTP; the server's memory");
        soak::run_over_http(&Cemcp::this_binary()?, runs, input, show)?
    } else {
        println!("{runs} sequential runs of probe {input} through the Runtime API");
        soak::run(runs, input, show)?
    };
    #[expect(clippy::cast_precision_loss, reason = "a rate")]
    let rate = soak.runs as f64 / soak.took.as_secs_f64();
    println!("{} runs in {:.1} s ({rate:.0} runs/s)", soak.runs, soak.took.as_secs_f64());
    let met = soak.growth() <= soak::GROWTH_ALLOWED;
    println!(
        "resident memory after {} runs {:+.1} % against after {}: goal (within {:.0} %) {}",
        soak.runs,
        soak.growth() * 100.0,
        soak::WARM,
        soak::GROWTH_ALLOWED * 100.0,
        if met { "met" } else { "MISSED" }
    );
    Ok(met)
}
