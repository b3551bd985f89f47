//! When to try a failed sync again: exponential back-off with jitter, so that a tablet on a
//! flaky link neither hammers the server nor waits an hour, and a fleet of tablets coming back
//! into coverage together does not retry in step.

/// Waits after the 1st, 2nd, 3rd… failure in a row; the last one repeats.
const STEPS_MS: [u32; 4] = [5_000, 15_000, 60_000, 300_000];
/// Each wait is drawn in ±20 % of its step.
const JITTER: f64 = 0.2;

/// The wait before the next try after `failures` failed runs in a row (1 for the first).
/// `unit` is a random number in [0, 1).
pub fn delay_ms(failures: u32, unit: f64) -> u32 {
    let index = (failures.max(1) - 1) as usize;
    let step = f64::from(STEPS_MS[index.min(STEPS_MS.len() - 1)]);
    let factor = 1.0 - JITTER + 2.0 * JITTER * unit.clamp(0.0, 1.0);
    (step * factor).round() as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_then_stays_at_the_cap() {
        let mid: Vec<u32> = (1..=7).map(|n| delay_ms(n, 0.5)).collect();
        assert_eq!(
            mid,
            [5_000, 15_000, 60_000, 300_000, 300_000, 300_000, 300_000]
        );
        assert_eq!(delay_ms(0, 0.5), 5_000, "zero reads as the first failure");
        assert_eq!(delay_ms(u32::MAX, 0.5), 300_000);
    }

    #[test]
    fn jitter_stays_within_a_fifth() {
        assert_eq!(delay_ms(1, 0.0), 4_000);
        assert_eq!(delay_ms(1, 0.999_999), 6_000);
        assert_eq!(delay_ms(4, 0.0), 240_000);
        assert_eq!(delay_ms(4, 1.0), 360_000);
        // Out-of-range randomness is clamped, never a negative or huge wait.
        assert_eq!(delay_ms(2, -3.0), 12_000);
        assert_eq!(delay_ms(2, 7.0), 18_000);
        let spread: std::collections::BTreeSet<u32> =
            (0..10).map(|i| delay_ms(3, f64::from(i) / 10.0)).collect();
        assert_eq!(spread.len(), 10, "different draws give different waits");
    }
}
