//! How many threads the engine's parallel kernels use.
//!
//! The engine runs its data-parallel work (batches, discovery, sampling) on a
//! rayon pool. By default that is rayon's global pool, one thread per CPU (or
//! `RAYON_NUM_THREADS`). [`set_threads`] replaces it, for every later call
//! from any thread, with a pool of exactly `n` threads, built once per setting
//! and shared; [`reset_threads`] returns to the default. [`install`] runs a
//! call inside the configured pool, and [`install_with`] lets one call ask for
//! its own count (`threads=` on a heavy call) without touching the setting.
//! The thread count never changes a result: every parallel kernel reduces in a
//! fixed order.

use crate::diagnostic::{Area, Detail, DetailSink, Diagnostic};
use rayon::{ThreadPool, ThreadPoolBuilder};
use std::sync::{Arc, RwLock};

/// The most threads one may ask for (far above any real machine; it only
/// guards against a count that is a mistake).
pub const MAX_THREADS: usize = 4096;

static POOL: RwLock<Option<Arc<ThreadPool>>> = RwLock::new(None);

/// Why a thread setting was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ThreadsError {
    #[error("threads must be between 1 and {max}; got {found}")]
    OutOfRange { found: usize, max: usize },
    #[error("could not start a pool of {threads} threads: {message}")]
    Spawn { threads: usize, message: String },
}

impl Diagnostic for ThreadsError {
    fn area(&self) -> Area {
        Area::Core
    }

    fn kind(&self) -> &'static str {
        match self {
            ThreadsError::OutOfRange { .. } => "InvalidArgumentError",
            ThreadsError::Spawn { .. } => "CausalError",
        }
    }

    fn detail(&self, out: &mut DetailSink<'_>) {
        match self {
            ThreadsError::OutOfRange { found, max } => {
                out("parameter", Detail::Text("threads"));
                out("threads", Detail::int(*found));
                out("max", Detail::int(*max));
            }
            ThreadsError::Spawn { threads, .. } => out("threads", Detail::int(*threads)),
        }
    }
}

fn build(n: usize) -> Result<ThreadPool, ThreadsError> {
    if n == 0 || n > MAX_THREADS {
        return Err(ThreadsError::OutOfRange {
            found: n,
            max: MAX_THREADS,
        });
    }
    ThreadPoolBuilder::new()
        .num_threads(n)
        .thread_name(|i| format!("causaloid-{i}"))
        .build()
        .map_err(|e| ThreadsError::Spawn {
            threads: n,
            message: e.to_string(),
        })
}

fn configured() -> Option<Arc<ThreadPool>> {
    match POOL.read() {
        Ok(g) => g.clone(),
        Err(poisoned) => poisoned.into_inner().clone(),
    }
}

fn store(pool: Option<Arc<ThreadPool>>) {
    match POOL.write() {
        Ok(mut g) => *g = pool,
        Err(poisoned) => *poisoned.into_inner() = pool,
    }
}

/// Makes every later engine call use `n` threads. The previous pool is
/// released once the calls still running in it finish.
pub fn set_threads(n: usize) -> Result<(), ThreadsError> {
    if configured().is_some_and(|p| p.current_num_threads() == n) {
        return Ok(());
    }
    let pool = build(n)?;
    store(Some(Arc::new(pool)));
    Ok(())
}

/// Returns to rayon's default pool.
pub fn reset_threads() {
    store(None);
}

/// Whether [`set_threads`] is in force.
pub fn is_set() -> bool {
    configured().is_some()
}

/// The number of threads an engine call started now would use.
pub fn threads() -> usize {
    match configured() {
        Some(p) => p.current_num_threads(),
        None => rayon::current_num_threads(),
    }
}

/// Runs `f` in the configured pool (or rayon's default one).
pub fn install<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    match configured() {
        Some(p) => p.install(f),
        None => f(),
    }
}

/// Runs `f` with `threads` threads when given (a pool of its own, for this
/// call only), else as [`install`] does.
pub fn install_with<R: Send>(
    threads: Option<usize>,
    f: impl FnOnce() -> R + Send,
) -> Result<R, ThreadsError> {
    match threads {
        None => Ok(install(f)),
        Some(n) => match configured() {
            Some(p) if p.current_num_threads() == n => Ok(p.install(f)),
            _ => Ok(build(n)?.install(f)),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rayon::prelude::*;

    #[test]
    fn a_call_runs_with_the_count_it_asked_for() {
        let seen = install_with(Some(3), rayon::current_num_threads).unwrap();
        assert_eq!(seen, 3);
        let sum: u64 = install_with(Some(2), || (0..1000u64).into_par_iter().sum()).unwrap();
        assert_eq!(sum, 499_500);
    }

    #[test]
    fn zero_and_absurd_counts_are_refused() {
        assert!(matches!(
            install_with(Some(0), || ()),
            Err(ThreadsError::OutOfRange { found: 0, .. })
        ));
        assert!(set_threads(MAX_THREADS + 1).is_err());
    }
}
