//! Load and endurance measurements behind the `stress` binary (issue 13's goals):
//! many concurrent `run_program` requests over Streamable HTTP ([`http`]), and many
//! sequential runs watched for memory growth ([`soak`]); and tools-mode round trips
//! from a minimal client against a native server ([`calls`], issue 14). Each prints
//! what it measured and says whether the goal was met; the figures go in
//! BENCHMARKS.md.

pub mod calls;
pub mod http;
pub mod soak;

use std::time::Duration;

/// The `q`-quantile (0..=1) of `sorted` durations (nearest rank), or zero when empty.
#[must_use]
pub fn quantile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    #[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss, reason = "a rank")]
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted.get(rank - 1).copied().unwrap_or_default()
}

/// A duration in milliseconds with one decimal, for tables.
#[must_use]
pub fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_take_the_nearest_rank() {
        let sorted: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(quantile(&sorted, 0.5), Duration::from_millis(50));
        assert_eq!(quantile(&sorted, 0.99), Duration::from_millis(99));
        assert_eq!(quantile(&sorted, 1.0), Duration::from_millis(100));
        assert_eq!(quantile(&[], 0.5), Duration::ZERO);
    }
}
