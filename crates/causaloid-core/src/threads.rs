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
use std::cell::Cell;
use std::sync::{Arc, Mutex, RwLock};

/// The most threads one may ask for (far above any real machine; it only
/// guards against a count that is a mistake).
pub const MAX_THREADS: usize = 4096;

static POOL: RwLock<Option<Arc<ThreadPool>>> = RwLock::new(None);

/// Pools of the counts calls asked for lately (`threads=`), kept so that a
/// loop of calls does not start threads every time.
static SCOPED_POOLS: Mutex<Vec<Arc<ThreadPool>>> = Mutex::new(Vec::new());
/// How many such pools stay alive.
const KEPT_POOLS: usize = 4;

thread_local! {
    /// The count asked for by the call running on this thread, if any.
    static SCOPED: Cell<Option<usize>> = const { Cell::new(None) };
}

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

/// The number of threads an engine call started now (on this thread) would use.
pub fn threads() -> usize {
    if let Some(n) = SCOPED.with(Cell::get) {
        return n;
    }
    match configured() {
        Some(p) => p.current_num_threads(),
        None => rayon::current_num_threads(),
    }
}

/// A pool of exactly `n` threads: the configured one when it has `n`, else
/// one kept from a recent call, else a new one (kept for the next calls).
fn pool_of(n: usize) -> Result<Arc<ThreadPool>, ThreadsError> {
    if let Some(p) = configured().filter(|p| p.current_num_threads() == n) {
        return Ok(p);
    }
    let mut kept = match SCOPED_POOLS.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    };
    if let Some(i) = kept.iter().position(|p| p.current_num_threads() == n) {
        let p = kept.remove(i);
        kept.push(p.clone());
        return Ok(p);
    }
    let p = Arc::new(build(n)?);
    if kept.len() >= KEPT_POOLS {
        kept.remove(0);
    }
    kept.push(p.clone());
    Ok(p)
}

/// The pool an engine call on this thread runs in: the scoped count's, the
/// configured one, or none (rayon's default).
fn current() -> Option<Arc<ThreadPool>> {
    match SCOPED.with(Cell::get) {
        // The count was checked when the scope opened; a pool that cannot
        // start now falls back to the configured one.
        Some(n) => pool_of(n).ok().or_else(configured),
        None => configured(),
    }
}

/// Runs `f` in the pool of the current scope (see [`scoped`]), else in the
/// configured pool (or rayon's default one).
pub fn install<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    match current() {
        Some(p) => p.install(f),
        None => f(),
    }
}

/// Restores the previous scope when dropped (also on unwinding).
struct ScopeGuard(Option<usize>);

impl Drop for ScopeGuard {
    fn drop(&mut self) {
        SCOPED.with(|s| s.set(self.0));
    }
}

/// Runs `f` with every engine call it makes on this thread using exactly `n`
/// threads (`threads=` on a heavy call), without touching the setting other
/// calls see. Scopes nest; the innermost wins.
pub fn scoped<R>(n: usize, f: impl FnOnce() -> R) -> Result<R, ThreadsError> {
    pool_of(n)?;
    let _guard = ScopeGuard(SCOPED.with(|s| s.replace(Some(n))));
    Ok(f())
}

/// Opens a scope of `n` threads on this thread (`None` closes it) and returns
/// the previous one, for callers that cannot pass a closure (the Python
/// bindings pair it with a restore).
pub fn enter_scope(n: Option<usize>) -> Result<Option<usize>, ThreadsError> {
    if let Some(n) = n {
        pool_of(n)?;
    }
    Ok(SCOPED.with(|s| s.replace(n)))
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
    fn a_scope_sets_the_count_of_calls_on_its_thread_only() {
        let before = threads();
        let (inside, other) = scoped(3, || {
            let inside = install(rayon::current_num_threads);
            let other = std::thread::spawn(threads).join().unwrap();
            (inside, other)
        })
        .unwrap();
        assert_eq!(inside, 3);
        assert_ne!(other, 0);
        assert_eq!(threads(), before);
        let nested = scoped(2, || scoped(1, threads).unwrap()).unwrap();
        assert_eq!(nested, 1);
        assert!(scoped(0, || ()).is_err());
        assert_eq!(enter_scope(Some(2)).unwrap(), None);
        assert_eq!(install(rayon::current_num_threads), 2);
        assert_eq!(enter_scope(None).unwrap(), Some(2));
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
