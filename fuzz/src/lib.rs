//! Fuzzing of Tachkhis on the stable toolchain (no nightly here, so no cargo-fuzz).
//!
//! A target takes bytes and says how they were received ([`Outcome`]). Its inputs come from a
//! seeded generator ([`rng::Rng`], one stream per iteration) that starts from valid inputs the
//! project's own code makes ([`corpus`]), mutates them byte by byte ([`mutate`]) or by their
//! structure ([`am`] for Automerge), or generates them with `arbitrary`. The driver
//! ([`driver`]) runs each target's iterations in child processes, so an abort (an allocation
//! failure) is counted and reported like a panic, and the run goes on from the next input.

#![forbid(unsafe_code)]

pub mod am;
pub mod corpus;
pub mod driver;
pub mod mutate;
pub mod rng;
pub mod targets;

use std::sync::Mutex;

/// How a target received one input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Taken (2xx, parsed, imported).
    Accepted,
    /// Refused the way it should be (4xx, an error value).
    Refused,
    /// A 5xx answer or `AppError::Internal`: the server failed.
    ServerError(String),
    /// A property that must hold did not (round trip, idempotence).
    Broken(String),
}

/// One kind of input and the code that receives it.
pub trait Target {
    /// The input of one iteration, from its own generator.
    fn generate(&mut self, rng: &mut rng::Rng) -> Vec<u8>;
    /// Feeds one input to the code under test.
    fn execute(&mut self, input: &[u8]) -> Outcome;
}

static LAST_PANIC: Mutex<Option<String>> = Mutex::new(None);

/// Replaces the panic hook by one that keeps the message and place quietly (a run may panic
/// thousands of times; the report says it once with the input).
pub fn quiet_panics() {
    std::panic::set_hook(Box::new(|info| {
        let text = info.to_string();
        *LAST_PANIC.lock().unwrap_or_else(|p| p.into_inner()) = Some(text);
    }));
}

/// The last panic seen on any thread (the server's blocking threads included), cleared.
pub fn take_panic() -> Option<String> {
    LAST_PANIC.lock().unwrap_or_else(|p| p.into_inner()).take()
}

/// FNV-1a: which stored document or mode an input goes to is a function of the input, so a
/// saved input replays alone.
pub fn fnv(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}
