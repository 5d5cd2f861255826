//! Many sequential runs, watching resident memory: after the first 1,000 runs
//! (caches, pools and allocator arenas warmed) it must stay within 10 % to the end.
//! Every run must succeed. Through the `Runtime` API in this process ([`run`]), or
//! as `run_program` requests over HTTP to a `cemcp serve` whose memory is watched
//! ([`run_over_http`]).

use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use cemcp::CancelToken;

use super::http::{Answer, Served};
use crate::study::serve::Cemcp;
use crate::{TestBed, artifacts};

/// Runs after which memory is taken as the baseline.
pub const WARM: usize = 1_000;
/// The most growth allowed after [`WARM`] runs, as a fraction of the baseline.
pub const GROWTH_ALLOWED: f64 = 0.10;

/// What a soak measured.
#[derive(Debug)]
pub struct Soak {
    /// Runs in all.
    pub runs: usize,
    /// Resident memory (bytes) after [`WARM`] runs.
    pub baseline: u64,
    /// `(runs so far, resident bytes)`, ten samples after the baseline.
    pub samples: Vec<(usize, u64)>,
    /// How long all the runs took.
    pub took: Duration,
}

impl Soak {
    /// Resident memory at the end, relative to the baseline (0.02 = 2 % more).
    #[must_use]
    #[expect(clippy::cast_precision_loss, reason = "a ratio of byte counts")]
    pub fn growth(&self) -> f64 {
        let last = self.samples.last().map_or(self.baseline, |&(_, rss)| rss);
        (last as f64 - self.baseline as f64) / self.baseline as f64
    }
}

/// A process's resident memory in bytes (`VmRSS` in `/proc/<pid>/status`; this
/// process's for `None`).
///
/// # Errors
///
/// Where `/proc` is not there to read (not Linux), or the process is gone.
pub fn resident(pid: Option<u32>) -> anyhow::Result<u64> {
    let path = pid.map_or_else(|| "/proc/self/status".to_owned(), |pid| format!("/proc/{pid}/status"));
    let status = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
    let line = status.lines().find_map(|l| l.strip_prefix("VmRSS:")).context("no VmRSS line")?;
    let kib: u64 = line.trim().trim_end_matches("kB").trim().parse().context("VmRSS is not a number")?;
    Ok(kib * 1024)
}

/// Runs the `probe` program's `input` `runs` times in a row (`runs` > [`WARM`]) on
/// the base manifest, calling `progress` with each sample.
///
/// # Errors
///
/// When a run fails (its words and number) or memory cannot be read.
pub fn run(runs: usize, input: &str, progress: impl FnMut(usize, u64)) -> anyhow::Result<Soak> {
    let bed = TestBed::new();
    let runtime = bed.base_runtime();
    let program = crate::load_program(&runtime, artifacts::PROBE_COMPONENT);
    watch(runs, None, progress, |n| {
        runtime.run(&program, input, &CancelToken::new()).with_context(|| format!("run {n} of {runs}"))?;
        Ok(())
    })
}

/// [`run`] as `run_program` requests, one after another, over HTTP to a `cemcp serve`
/// on loopback (defaults for its `[server]`), watching the server's memory.
///
/// # Errors
///
/// When the server does not start, or a run is not answered with its output.
pub fn run_over_http(
    cemcp: &Cemcp,
    runs: usize,
    input: &str,
    progress: impl FnMut(usize, u64),
) -> anyhow::Result<Soak> {
    let input: serde_json::Value = serde_json::from_str(input).context("the input is not JSON")?;
    let tokio = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let server = tokio.block_on(Served::start(cemcp, ""))?;
    let client = reqwest::Client::new();
    watch(runs, server.pid(), progress, |n| match tokio.block_on(server.run_probe(&client, &input))? {
        Answer::Ok => Ok(()),
        other => bail!("run {n} of {runs}: {other:?}"),
    })
}

/// Does `one` run `runs` times, reading `pid`'s resident memory after [`WARM`] runs
/// and ten times after that.
fn watch(
    runs: usize,
    pid: Option<u32>,
    mut progress: impl FnMut(usize, u64),
    mut one: impl FnMut(usize) -> anyhow::Result<()>,
) -> anyhow::Result<Soak> {
    if runs <= WARM {
        bail!("a soak needs more than {WARM} runs, got {runs}");
    }
    let every = (runs - WARM).div_ceil(10);
    let (mut baseline, mut samples) = (0, Vec::new());
    let started = Instant::now();
    for n in 1..=runs {
        one(n)?;
        if n == WARM {
            baseline = resident(pid)?;
            progress(n, baseline);
        } else if n > WARM && ((n - WARM).is_multiple_of(every) || n == runs) {
            let rss = resident(pid)?;
            samples.push((n, rss));
            progress(n, rss);
        }
    }
    Ok(Soak { runs, baseline, samples, took: started.elapsed() })
}
