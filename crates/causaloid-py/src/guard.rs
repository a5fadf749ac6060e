//! Serialised access to native objects that call back into Python.
//!
//! A [`Serial`] lets one thread at a time work on its value for a whole
//! operation (an evaluation, its actions and their bookkeeping). A thread that
//! finds another one working waits with the GIL released, so the working
//! thread's Python callbacks can go on. The thread that holds its turn may take
//! it again (an action may add a state to its own machine), but it cannot reach
//! the value while it is already being used further up its own stack (a state
//! function that reads its own machine): that is reported as
//! [`Busy`], never a panic.

use pyo3::prelude::*;
use std::cell::UnsafeCell;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};

/// A number unique to the calling thread (never 0).
fn thread_token() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    thread_local! {
        static TOKEN: u64 = NEXT.fetch_add(1, Ordering::Relaxed);
    }
    TOKEN.with(|t| *t)
}

/// The value is in use further up the calling thread's own stack.
#[derive(Debug, Clone, Copy)]
pub struct Busy;

/// A value used by one thread at a time, re-entrantly per thread.
///
/// Taking and ending an uncontended turn is one compare-and-swap and one
/// store on `owner`, and reaching the value two plain stores: the per-event
/// cost of a stream. The mutex and condition variable are used only by
/// threads that must wait.
pub struct Serial<T> {
    /// The token of the thread whose turn it is; 0 when it is nobody's.
    owner: AtomicU64,
    /// How many turns the owner holds. Only the owner reads or writes it;
    /// the next owner sees the 0 left by the last one (its compare-and-swap
    /// on `owner` acquires what the release of `owner` published).
    depth: AtomicUsize,
    /// Threads waiting for a turn: without any, ending a turn wakes nobody
    /// (a notification costs a system call).
    waiting: AtomicUsize,
    gate: Mutex<()>,
    freed: Condvar,
    /// Whether a [`Borrowed`] of the value exists. Only the thread whose
    /// turn it is reads or writes it (relaxed: the hand-over of `owner`
    /// orders it between turns, like `depth`).
    borrowed: AtomicBool,
    data: UnsafeCell<T>,
}

// SAFETY: the value is reached through `Turn::get`, which only the
// thread whose turn it is can call (a `Turn` is made by `Serial::turn` for
// the calling thread and cannot be sent to another one), and `borrowed`
// allows one `Borrowed` at a time. Turns pass between threads through the
// sequentially consistent compare-and-swap and store on `owner`, so every
// access of one owner happens before every access of the next. The value is
// therefore never used by two threads, or twice, at once: like `Mutex<T>`,
// `Serial<T>` may be shared between threads when `T` may be sent. The one
// other way to the value, `Serial::between_turns`, keeps this (see there).
unsafe impl<T: Send> Sync for Serial<T> {}

/// Whether the interpreter runs one thread of Python at a time (it has a
/// GIL). Set once when the module is loaded; until then, and on a
/// free-threaded interpreter, `Serial::between_turns` always declines.
static GIL_SERIALISES: AtomicBool = AtomicBool::new(false);

/// Notes whether this interpreter has a GIL (`sys._is_gil_enabled()`,
/// Python 3.13 and later; earlier versions always have one). On a
/// free-threaded interpreter the GIL may be switched on after this module is
/// loaded: the answer then stays "no", which only costs speed.
pub fn note_gil(py: Python<'_>) -> PyResult<()> {
    let sys = py.import("sys")?;
    let enabled = match sys.getattr("_is_gil_enabled") {
        Ok(f) => f.call0()?.is_truthy()?,
        Err(_) => true,
    };
    GIL_SERIALISES.store(enabled, Ordering::Relaxed);
    Ok(())
}

/// One thread's turn on a [`Serial`]; ends when dropped. Not `Send`: it
/// stands for the calling thread's turn.
pub struct Turn<'a, T> {
    serial: &'a Serial<T>,
    thread: PhantomData<*const ()>,
}

/// The value during a turn; at most one exists at a time.
pub struct Borrowed<'a, T> {
    serial: &'a Serial<T>,
    thread: PhantomData<*const ()>,
}

fn lock<U>(m: &Mutex<U>) -> MutexGuard<'_, U> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl<T: Send> Serial<T> {
    pub fn new(value: T) -> Serial<T> {
        Serial {
            owner: AtomicU64::new(0),
            depth: AtomicUsize::new(0),
            waiting: AtomicUsize::new(0),
            gate: Mutex::new(()),
            freed: Condvar::new(),
            borrowed: AtomicBool::new(false),
            data: UnsafeCell::new(value),
        }
    }

    /// Takes the calling thread's turn, waiting (GIL released) while another
    /// thread has one.
    pub fn turn(&self, py: Python<'_>) -> Turn<'_, T> {
        let me = thread_token();
        // Only this thread ever stores its own token, so seeing it means this
        // thread holds the turn already (an action using its own machine).
        if self.owner.load(Ordering::Relaxed) == me {
            let depth = self.depth.load(Ordering::Relaxed);
            self.depth.store(depth + 1, Ordering::Relaxed);
            return Turn {
                serial: self,
                thread: PhantomData,
            };
        }
        if self
            .owner
            .compare_exchange(0, me, Ordering::SeqCst, Ordering::Relaxed)
            .is_err()
        {
            py.detach(|| {
                // The gate is held from the check to the wait, and the thread
                // ending a turn takes it to notify: no wake-up is lost.
                let mut gate = lock(&self.gate);
                self.waiting.fetch_add(1, Ordering::SeqCst);
                while self
                    .owner
                    .compare_exchange(0, me, Ordering::SeqCst, Ordering::SeqCst)
                    .is_err()
                {
                    gate = self
                        .freed
                        .wait(gate)
                        .unwrap_or_else(|poisoned| poisoned.into_inner());
                }
                self.waiting.fetch_sub(1, Ordering::SeqCst);
            });
        }
        self.depth.store(1, Ordering::Relaxed);
        Turn {
            serial: self,
            thread: PhantomData,
        }
    }
}

impl<T> Serial<T> {
    /// Runs `f` on the value when no thread holds a turn, without taking
    /// one; None (and `f` not run) when a thread does, or when the
    /// interpreter has no GIL. Saves a turn's two atomic read-modify-writes
    /// for work that touches no Python code, such as deciding a quiet event.
    ///
    /// # Safety
    ///
    /// `f` must not run Python code, release the GIL, or use this `Serial`.
    pub unsafe fn between_turns<R>(
        &self,
        _py: Python<'_>,
        f: impl FnOnce(&mut T) -> R,
    ) -> Option<R> {
        if !GIL_SERIALISES.load(Ordering::Relaxed) || self.owner.load(Ordering::Acquire) != 0 {
            return None;
        }
        // SAFETY: the value is used by nobody else for as long as `f` runs.
        // - No thread holds a turn: `owner` is 0, and this acquiring load
        //   sees every access of the last owner, which released `owner`
        //   with its sequentially consistent store. No `Borrowed` exists
        //   (one lives only within a turn), and this thread holds none.
        // - A thread that takes a turn from now on (even one that takes it
        //   while waiting with the GIL released) first reaches the value
        //   through `Turn::get` with the GIL held: `turn` returns with the
        //   GIL, and a `Turn` cannot be sent into code that runs without
        //   it. This thread holds the GIL (`_py`) and, by the contract
        //   above, keeps it and runs no Python code until `f` returns, so
        //   no other thread can call `Turn::get` until then; the GIL's
        //   hand-over then orders `f`'s accesses before theirs. The
        //   interpreter has a GIL (`GIL_SERIALISES`).
        // - `f` does not reach the value again through this `Serial`.
        Some(f(unsafe { &mut *self.data.get() }))
    }
}

impl<T> Turn<'_, T> {
    /// The value, unless the calling thread is already using it.
    pub fn get(&self) -> Result<Borrowed<'_, T>, Busy> {
        let s = self.serial;
        if s.borrowed.load(Ordering::Relaxed) {
            return Err(Busy);
        }
        s.borrowed.store(true, Ordering::Relaxed);
        Ok(Borrowed {
            serial: s,
            thread: PhantomData,
        })
    }
}

impl<T> Deref for Borrowed<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: this `Borrowed` is the only one (`Turn::get` refuses a
        // second while `borrowed` is set), it belongs to the thread whose
        // turn it is, and it lives no longer than that turn (it borrows the
        // `Turn`): no other reference to the value exists meanwhile.
        unsafe { &*self.serial.data.get() }
    }
}

impl<T> DerefMut for Borrowed<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`; `&mut self` makes this the only reference
        // handed out by this `Borrowed` at a time.
        unsafe { &mut *self.serial.data.get() }
    }
}

impl<T> Drop for Borrowed<'_, T> {
    fn drop(&mut self) {
        self.serial.borrowed.store(false, Ordering::Relaxed);
    }
}

impl<T> Drop for Turn<'_, T> {
    fn drop(&mut self) {
        let s = self.serial;
        let depth = s.depth.load(Ordering::Relaxed).saturating_sub(1);
        s.depth.store(depth, Ordering::Relaxed);
        if depth == 0 {
            // Sequentially consistent with the waiters' count: either a
            // waiter sees the turn free, or this thread sees the waiter.
            s.owner.store(0, Ordering::SeqCst);
            if s.waiting.load(Ordering::SeqCst) > 0 {
                let _gate = lock(&s.gate);
                s.freed.notify_all();
            }
        }
    }
}
