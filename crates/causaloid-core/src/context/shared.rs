//! A context shared between its owner and the causaloids that read it.
//! Readers take a snapshot (an `Arc`), so an evaluation sees one consistent
//! context from start to end; a writer copies the context only while a
//! snapshot is out, then publishes the new version at once.

use super::store::Context;
use std::sync::{Arc, RwLock};

#[derive(Debug)]
pub struct SharedContext {
    inner: RwLock<Arc<Context>>,
}

impl SharedContext {
    pub fn new(context: Context) -> SharedContext {
        SharedContext {
            inner: RwLock::new(Arc::new(context)),
        }
    }

    /// A shared context that starts from an existing version, without copying it.
    pub fn from_snapshot(context: Arc<Context>) -> SharedContext {
        SharedContext {
            inner: RwLock::new(context),
        }
    }

    /// The current version; later updates do not change it.
    pub fn snapshot(&self) -> Arc<Context> {
        // A poisoned lock still guards a whole context: updates never leave a
        // half-applied one behind, so reading past the poison is safe.
        self.inner.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Runs `f` on the context with exclusive access; `f` must itself leave the
    /// context whole (every `Context` mutator does).
    pub fn update<R>(&self, f: impl FnOnce(&mut Context) -> R) -> R {
        let mut guard = self.inner.write().unwrap_or_else(|e| e.into_inner());
        f(Arc::make_mut(&mut guard))
    }

    /// Replaces the whole context.
    pub fn replace(&self, context: Context) {
        *self.inner.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(context);
    }
}
