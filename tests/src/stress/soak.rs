//! Many sequential runs through the `Runtime` API, watching the process's resident
//! memory: after the first 1,000 runs (caches, pools and allocator arenas warmed) it
//! must stay within 10 % to the end. Every run must succeed.

use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use cemcp::CancelToken;

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

/// The process's resident memory in bytes (`VmRSS` in `/proc/self/status`).
///
/// # Errors
///
/// Where `/proc` is not there to read (not Linux).
pub fn resident() -> anyhow::Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status").context("reading /proc/self/status")?;
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
pub fn run(runs: usize, input: &str, mut progress: impl FnMut(usize, u64)) -> anyhow::Result<Soak> {
    if runs <= WARM {
        bail!("a soak needs more than {WARM} runs, got {runs}");
    }
    let bed = TestBed::new();
    let runtime = bed.base_runtime();
    let program = crate::load_program(&runtime, artifacts::PROBE_COMPONENT);
    let every = (runs - WARM).div_ceil(10);
    let (mut baseline, mut samples) = (0, Vec::new());
    let started = Instant::now();
    for n in 1..=runs {
        runtime.run(&program, input, &CancelToken::new()).with_context(|| format!("run {n} of {runs}"))?;
        if n == WARM {
            baseline = resident()?;
            progress(n, baseline);
        } else if n > WARM && ((n - WARM).is_multiple_of(every) || n == runs) {
            let rss = resident()?;
            samples.push((n, rss));
            progress(n, rss);
        }
    }
    Ok(Soak { runs, baseline, samples, took: started.elapsed() })
}
