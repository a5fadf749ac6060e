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
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, TryLockError};

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

#[derive(Default)]
struct Owner {
    thread: u64,
    depth: usize,
    /// Threads waiting for a turn: without any, ending a turn wakes nobody
    /// (a notification costs a system call).
    waiting: usize,
}

/// A value used by one thread at a time, re-entrantly per thread.
pub struct Serial<T> {
    owner: Mutex<Owner>,
    freed: Condvar,
    data: Mutex<T>,
}

/// One thread's turn on a [`Serial`]; ends when dropped.
pub struct Turn<'a, T> {
    serial: &'a Serial<T>,
}

fn lock<U>(m: &Mutex<U>) -> MutexGuard<'_, U> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl<T: Send> Serial<T> {
    pub fn new(value: T) -> Serial<T> {
        Serial {
            owner: Mutex::new(Owner::default()),
            freed: Condvar::new(),
            data: Mutex::new(value),
        }
    }

    /// Takes the calling thread's turn, waiting (GIL released) while another
    /// thread has one.
    pub fn turn(&self, py: Python<'_>) -> Turn<'_, T> {
        let me = thread_token();
        {
            let mut o = lock(&self.owner);
            if o.depth == 0 || o.thread == me {
                o.thread = me;
                o.depth += 1;
                return Turn { serial: self };
            }
        }
        py.detach(|| {
            let mut o = lock(&self.owner);
            o.waiting += 1;
            while o.depth != 0 {
                o = self
                    .freed
                    .wait(o)
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
            }
            o.waiting -= 1;
            o.thread = me;
            o.depth = 1;
        });
        Turn { serial: self }
    }
}

impl<T> Turn<'_, T> {
    /// The value, unless the calling thread is already using it.
    pub fn get(&self) -> Result<MutexGuard<'_, T>, Busy> {
        match self.serial.data.try_lock() {
            Ok(g) => Ok(g),
            Err(TryLockError::Poisoned(p)) => Ok(p.into_inner()),
            Err(TryLockError::WouldBlock) => Err(Busy),
        }
    }
}

impl<T> Drop for Turn<'_, T> {
    fn drop(&mut self) {
        let mut o = lock(&self.serial.owner);
        o.depth = o.depth.saturating_sub(1);
        if o.depth == 0 {
            o.thread = 0;
            if o.waiting > 0 {
                self.serial.freed.notify_all();
            }
        }
    }
}
