//! The state machine and the sliding window for Python. Actions run with the
//! machine unborrowed, so an action may add, update or remove states (the
//! change applies from the next observation on). Engine errors map to the
//! classes of `causaloid.csm.errors`.

use crate::errors::{node_id, node_id_to_py, raise_from, to_pyerr, IntoPy};
use crate::ethos::{PyDeonticVerdict, PyEthos};
use crate::expr::{value_from_py, value_to_py};
use crate::graph::PyMember;
use crate::guard::{Borrowed, Serial, Turn};
use causaloid_core::csm::{
    Action, ActionFn, BatchFirings, CsmError, Decision, EventError, EventUnknown, Firing, Outcome,
    State, StateMachine, Window, WindowError,
};
use causaloid_core::graph::{HostRow, Missing};
use causaloid_core::{ErrorPayload, NodeId};
use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};
use std::sync::{Arc, Mutex, MutexGuard};

const ERRORS: &str = "causaloid.csm.errors";

// ---- actions --------------------------------------------------------------------------

/// A Python adapter with `fire(firing, observation)`; it handles the user
/// callable's arity.
struct PyAction {
    adapter: Py<PyAny>,
}

impl ActionFn for PyAction {
    fn fire(
        &self,
        firing: &Firing,
        host: Option<&HostRow>,
    ) -> Result<(), (String, Option<ErrorPayload>)> {
        Python::attach(|py| {
            let obs = host
                .and_then(|h| h.downcast_ref::<Py<PyAny>>())
                .map(|h| h.bind(py).clone())
                .unwrap_or_else(|| py.None().into_bound(py));
            let f = PyFiring {
                inner: Arc::new(firing.clone()),
            };
            self.adapter
                .bind(py)
                .call_method1("fire", (f, obs))
                .map(|_| ())
                .map_err(|e| {
                    let ty = e
                        .get_type(py)
                        .name()
                        .map(|n| n.to_string())
                        .unwrap_or_default();
                    let msg = e.value(py).str().map(|s| s.to_string()).unwrap_or_default();
                    (format!("{ty}: {msg}"), Some(ErrorPayload(Arc::new(e))))
                })
        })
    }
}

/// One state spec from Python: (id, description, member, data, action name, adapter or None).
type StateSpec<'py> = (
    Bound<'py, PyAny>,
    String,
    PyRef<'py, PyMember>,
    Option<Bound<'py, PyAny>>,
    String,
    Option<Py<PyAny>>,
);

fn state_from(spec: StateSpec<'_>) -> PyResult<(State, Action)> {
    let (id, description, member, data, name, adapter) = spec;
    let mut state = State::new(node_id(&id)?, description, member.inner.clone());
    if let Some(d) = data.filter(|d| !d.is_none()) {
        state = state.with_data(value_from_py(&d)?);
    }
    let action = match adapter {
        Some(a) => Action::host(name, Arc::new(PyAction { adapter: a })),
        None => Action::record(name),
    };
    Ok((state, action))
}

// ---- Window --------------------------------------------------------------------------

/// A window is only ever locked by pure Rust code holding the GIL, so its
/// lock is never contended; reading an observation (Python code) happens
/// before it is taken.
#[pyclass(name = "Window", module = "causaloid._native", frozen)]
pub struct PyWindow {
    inner: Mutex<Window>,
}

impl PyWindow {
    pub fn of(window: Window) -> PyWindow {
        PyWindow {
            inner: Mutex::new(window),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Window> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A copy of the window as it is now.
    pub fn snapshot(&self) -> Window {
        self.lock().clone()
    }
}

#[pymethods]
impl PyWindow {
    #[new]
    fn new(py: Python<'_>, size: usize, columns: Vec<String>) -> PyResult<PyWindow> {
        Ok(PyWindow::of(Window::new(size, columns).py(py)?))
    }

    fn push(&self, py: Python<'_>, observation: &Bound<'_, PyAny>) -> PyResult<()> {
        let columns = self.lock().columns().to_vec();
        let mut row = Vec::with_capacity(columns.len());
        for c in &columns {
            let item = observation
                .get_item(c)
                .map_err(|_| to_pyerr(py, &WindowError::MissingColumn { column: c.clone() }))?;
            row.push(value_from_py(&item)?.num());
        }
        self.lock().push_row(&row);
        Ok(())
    }

    fn values<'py>(&self, py: Python<'py>, column: &str) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let values = self.lock().values(column).py(py)?;
        Ok(PyArray1::from_vec(py, values))
    }

    fn stat(&self, py: Python<'_>, column: &str, name: &str) -> PyResult<f64> {
        self.lock().stat(column, name).py(py)
    }

    fn features<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let mut v = Vec::new();
        let names = {
            let w = self.lock();
            w.features_into(&mut v);
            w.feature_names()
        };
        let d = PyDict::new(py);
        for (n, x) in names.iter().zip(v) {
            d.set_item(n, x)?;
        }
        Ok(d)
    }

    fn clear(&self) {
        self.lock().clear();
    }

    #[getter]
    fn size(&self) -> usize {
        self.lock().size()
    }

    #[getter]
    fn columns(&self) -> Vec<String> {
        self.lock().columns().to_vec()
    }

    #[getter]
    fn is_full(&self) -> bool {
        self.lock().is_full()
    }

    fn __len__(&self) -> usize {
        self.lock().len()
    }
}

// ---- Firing ----------------------------------------------------------------------------

/// One entry of a state machine's firing log: the observation's number
/// (``event``), the ``state`` and its ``action``, the ``input`` it saw, the
/// ``value`` and ``verdict``, the ethos's ``vetting``, the ``outcome``
/// (``"fired"``, ``"recorded"``, ``"refused"`` or ``"failed"``), the
/// ``justification`` and the ``error``.
#[pyclass(name = "Firing", module = "causaloid._native", frozen)]
pub struct PyFiring {
    inner: Arc<Firing>,
}

#[pymethods]
impl PyFiring {
    /// Pickle support: the engine's compact binary form.
    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, pyo3::types::PyBytes>,))> {
        let py = slf.py();
        let ctor = slf.get_type().getattr("_from_bytes")?;
        let bytes = slf.get().inner.to_bytes();
        Ok((ctor, (pyo3::types::PyBytes::new(py, &bytes),)))
    }

    /// Reads the binary form written for a pickle.
    #[staticmethod]
    fn _from_bytes(py: Python<'_>, data: &[u8]) -> PyResult<Self> {
        let inner = Firing::from_bytes(data).py(py)?;
        Ok(PyFiring {
            inner: Arc::new(inner),
        })
    }

    #[getter]
    fn event(&self) -> u64 {
        self.inner.event
    }

    #[getter]
    fn state<'py>(&self, py: Python<'py>) -> Bound<'py, PyAny> {
        node_id_to_py(py, &self.inner.state)
    }

    #[getter]
    fn action(&self) -> String {
        self.inner.action.to_string()
    }

    #[getter]
    fn value<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.inner.value.map(|v| value_to_py(py, v)).transpose()
    }

    #[getter]
    fn input<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for (n, x) in self.inner.input.names.iter().zip(self.inner.input.values()) {
            d.set_item(n, *x)?;
        }
        Ok(d)
    }

    #[getter]
    fn verdict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        value_to_py(py, self.inner.verdict.to_value())
    }

    #[getter]
    fn vetting(&self) -> Option<PyDeonticVerdict> {
        self.inner.vetting.as_ref().map(|v| PyDeonticVerdict {
            inner: (**v).clone(),
        })
    }

    #[getter]
    fn outcome(&self) -> &'static str {
        self.inner.outcome.name()
    }

    /// The ethos's justification, or None without an ethos.
    #[getter]
    fn justification(&self) -> Option<String> {
        self.inner.vetting.as_ref().map(|v| v.justification())
    }

    fn __repr__(&self) -> String {
        format!(
            "Firing(event={}, state={}, action={:?}, verdict={}, outcome={:?})",
            self.inner.event,
            self.inner.state,
            self.inner.action,
            self.inner.verdict,
            self.inner.outcome.name()
        )
    }

    /// The exception the action raised (not raised again), or None.
    #[getter]
    fn error<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyAny>> {
        match &self.inner.outcome {
            Outcome::Failed { message, payload } => {
                let e = CsmError::Action {
                    state: self.inner.state.clone(),
                    action: self.inner.action.to_string(),
                    message: message.clone(),
                    payload: payload.clone(),
                };
                Some(to_pyerr(py, &e).into_value(py).into_bound(py).into_any())
            }
            _ => None,
        }
    }
}

/// The firings of a batch, turned into Python objects only when read.
#[pyclass(name = "FiringList", module = "causaloid._native", frozen, sequence)]
pub struct FiringList {
    inner: Arc<BatchFirings>,
}

#[pymethods]
impl FiringList {
    /// Pickle support: the engine's compact binary form.
    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, pyo3::types::PyBytes>,))> {
        let py = slf.py();
        let ctor = slf.get_type().getattr("_from_bytes")?;
        let bytes = slf.get().inner.to_bytes();
        Ok((ctor, (pyo3::types::PyBytes::new(py, &bytes),)))
    }

    /// Reads the binary form written for a pickle.
    #[staticmethod]
    fn _from_bytes(py: Python<'_>, data: &[u8]) -> PyResult<Self> {
        let inner = BatchFirings::from_bytes(data).py(py)?;
        Ok(FiringList {
            inner: Arc::new(inner),
        })
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    fn __getitem__(&self, i: isize) -> PyResult<PyFiring> {
        let n = self.inner.len() as isize;
        let k = if i < 0 { i + n } else { i };
        let firing = if k < 0 || k >= n {
            None
        } else {
            self.inner.firing(k as usize)
        };
        match firing {
            Some(f) => Ok(PyFiring { inner: Arc::new(f) }),
            None => Err(pyo3::exceptions::PyIndexError::new_err(format!(
                "firing {i} out of range ({n} firings)"
            ))),
        }
    }
}

// ---- StateMachine ------------------------------------------------------------------

/// What `Machine::decide_quiet` did with an observation.
enum Quick {
    /// Decided it: nothing fired, nothing failed.
    Quiet,
    /// Read its inputs (these), decided nothing.
    Read(Vec<f64>),
    /// Neither.
    Unread,
}

/// The machine and its input names as Python strings (rebuilt whenever the
/// states change, so reading an observation allocates no key).
struct Machine {
    inner: StateMachine,
    keys: Vec<Py<PyString>>,
    /// The last observation's inputs: its allocation is reused.
    buf: Vec<f64>,
    /// The key objects of the last dict read, in order, and the input each
    /// holds (see `Machine::read_into`).
    layout: Vec<(Py<PyAny>, Option<usize>)>,
}

/// One thread at a time works on a machine, for a whole evaluation (its
/// state functions, its actions, its log); other threads wait with the GIL
/// released. Its actions may change the machine; its state functions may not
/// touch it (`ReentrantUseError`).
#[pyclass(name = "StateMachine", module = "causaloid._native", frozen)]
pub struct PyStateMachine {
    machine: Serial<Machine>,
}

fn reentrant(py: Python<'_>) -> PyErr {
    let detail = PyDict::new(py);
    raise_from(
        py,
        ERRORS,
        "ReentrantUseError",
        "the state machine is deciding on an observation and cannot be used from one of its \
         own state functions (or norm predicates); read or change it from an action, or after \
         the call returns"
            .to_owned(),
        detail,
    )
}

fn get<'a>(py: Python<'_>, turn: &'a Turn<'_, Machine>) -> PyResult<Borrowed<'a, Machine>> {
    turn.get().map_err(|_| reentrant(py))
}

fn error_tuple<'py>(
    py: Python<'py>,
    e: &EventError,
) -> (u64, Bound<'py, PyAny>, Bound<'py, PyAny>) {
    let state = e
        .state
        .as_ref()
        .map_or(py.None().into_bound(py), |s| node_id_to_py(py, s));
    (
        e.event,
        state,
        to_pyerr(py, &e.error)
            .into_value(py)
            .into_bound(py)
            .into_any(),
    )
}

/// Errors as handed to Python: (event, state id or None, exception instance).
type ErrorList = Vec<(u64, Py<PyAny>, Py<PyAny>)>;

/// Unknown states as handed to Python: (event, state id, missing inputs in words).
type UnknownList = Vec<(u64, Py<PyAny>, Vec<String>)>;

fn unknown_list(py: Python<'_>, unknown: &[EventUnknown]) -> UnknownList {
    unknown
        .iter()
        .map(|u| {
            (
                u.event,
                node_id_to_py(py, &u.state).unbind(),
                u.missing.clone(),
            )
        })
        .collect()
}

/// Parses a `missing=` policy (an unknown name is an `InvalidArgumentError`
/// naming the parameter).
fn policy(py: Python<'_>, missing: &str) -> PyResult<Missing> {
    Missing::from_name(missing).py(py)
}

/// Runs the decided actions (the machine is not locked meanwhile, but the
/// thread keeps its turn) and logs them.
fn act(
    py: Python<'_>,
    turn: &Turn<'_, Machine>,
    mut d: Decision,
    host: Option<&HostRow>,
) -> PyResult<(Vec<Arc<Firing>>, ErrorList)> {
    for (f, a) in &mut d.firings {
        a.execute(f, host);
    }
    let errors: ErrorList = d
        .errors
        .iter()
        .map(|e| {
            let (n, s, x) = error_tuple(py, e);
            (n, s.unbind(), x.unbind())
        })
        .collect();
    let firings = get(py, turn)?.inner.complete(d);
    let mut action_errors = errors;
    for f in &firings {
        if let Outcome::Failed { message, payload } = &f.outcome {
            let e = EventError {
                event: f.event,
                state: Some(f.state.clone()),
                error: CsmError::Action {
                    state: f.state.clone(),
                    action: f.action.to_string(),
                    message: message.clone(),
                    payload: payload.clone(),
                },
            };
            let (n, s, x) = error_tuple(py, &e);
            action_errors.push((n, s.unbind(), x.unbind()));
        }
    }
    Ok((firings, action_errors))
}

impl Machine {
    fn refresh(&mut self, py: Python<'_>) {
        self.keys = self
            .inner
            .inputs()
            .iter()
            .map(|n| PyString::intern(py, n).unbind())
            .collect();
        self.layout.clear();
    }

    /// The observation's inputs, read from a mapping; a missing column raises,
    /// naming the state that needs it.
    fn read(&mut self, py: Python<'_>, obs: &Bound<'_, PyAny>) -> PyResult<Vec<f64>> {
        let mut row = Vec::new();
        self.read_into(py, obs, &mut row)?;
        Ok(row)
    }

    /// [`Machine::read`] into `row`. A dict laid out like the last one (the
    /// same key objects in the same order, as the rows of one stream are) is
    /// read in one pass over its items, matching keys by identity: no hashing,
    /// no string comparison.
    fn read_into(
        &mut self,
        py: Python<'_>,
        obs: &Bound<'_, PyAny>,
        row: &mut Vec<f64>,
    ) -> PyResult<()> {
        let Ok(d) = obs.cast::<PyDict>() else {
            return self.read_slow(py, obs, row);
        };
        if self.read_layout(py, d, row) {
            return Ok(());
        }
        self.read_slow(py, obs, row)?;
        self.remember_layout(py, d);
        Ok(())
    }

    /// Decides an observation dict laid out like the last one whose inputs
    /// are all floats, when no state fires, fails or misses an input (see
    /// `StateMachine::decide_quiet`): counts the event and returns
    /// `Quick::Quiet`. Otherwise changes nothing and
    /// returns the inputs it read, if it could read them, for the caller to
    /// decide the observation in full. Runs no Python code (see
    /// `Serial::between_turns`).
    fn decide_quiet(&mut self, d: &Bound<'_, PyDict>) -> Quick {
        let mut row = std::mem::take(&mut self.buf);
        if !self.read_floats(d, &mut row) {
            self.buf = row;
            return Quick::Unread;
        }
        if self.inner.decide_quiet(&row).is_some() {
            self.buf = row;
            return Quick::Quiet;
        }
        Quick::Read(row)
    }

    /// Reads `d` through the remembered layout when it fits and its used
    /// values are all floats; false otherwise (`row` then partly
    /// written). Runs no Python code.
    fn read_floats(&self, d: &Bound<'_, PyDict>, row: &mut Vec<f64>) -> bool {
        if self.layout.is_empty() || d.len() != self.layout.len() {
            return false;
        }
        // The layout holds every input once: a pass that reads all its
        // values overwrites the whole row.
        let n = self.inner.inputs().len();
        if row.len() != n {
            row.clear();
            row.resize(n, f64::NAN);
        }
        read_float_items(d, &self.layout, row)
    }

    /// Reads `d` through the remembered layout; false when it does not apply
    /// (or a value is not a number: the general reading reports it).
    fn read_layout(&self, py: Python<'_>, d: &Bound<'_, PyDict>, row: &mut Vec<f64>) -> bool {
        if self.layout.is_empty() || d.len() != self.layout.len() {
            return false;
        }
        if self.read_floats(d, row) {
            return true;
        }
        let n = self.inner.inputs().len();
        row.clear();
        row.resize(n, f64::NAN);
        let mut others: Vec<(usize, Bound<'_, PyAny>)> = Vec::new();
        for ((k, v), (key, slot)) in d.iter().zip(&self.layout) {
            if !k.is(key.bind(py)) {
                return false;
            }
            let Some(slot) = *slot else { continue };
            match v.cast::<pyo3::types::PyFloat>() {
                Ok(f) => row[slot] = f.value(),
                Err(_) => others.push((slot, v)),
            }
        }
        // Values that are not floats are converted after the pass, so no
        // Python code runs while the dict is being iterated.
        for (slot, v) in others {
            match value_from_py(&v) {
                Ok(x) => row[slot] = x.num(),
                Err(_) => return false,
            }
        }
        true
    }

    /// Remembers the layout of a dict every input was read from: each key
    /// object, in order, and the input it holds (None: a column not used).
    fn remember_layout(&mut self, py: Python<'_>, d: &Bound<'_, PyDict>) {
        self.layout.clear();
        if d.len() > 2 * self.keys.len() + 8 {
            // Mostly unused columns: looking the inputs up is cheaper.
            return;
        }
        // A list of the keys, so comparing them (which may run Python code)
        // cannot disturb an iteration of the dict.
        for k in d.keys().iter() {
            let slot = self
                .keys
                .iter()
                .position(|key| k.eq(key.bind(py)).unwrap_or(false));
            self.layout.push((k.unbind(), slot));
        }
        let found = self.layout.iter().filter(|(_, s)| s.is_some()).count();
        if found != self.keys.len() {
            self.layout.clear();
        }
    }

    /// Reads the inputs by looking each one up.
    fn read_slow(
        &self,
        py: Python<'_>,
        obs: &Bound<'_, PyAny>,
        row: &mut Vec<f64>,
    ) -> PyResult<()> {
        let inputs = self.inner.inputs();
        row.clear();
        row.reserve(inputs.len());
        let dict = obs.cast::<PyDict>().ok();
        for (k, (name, key)) in inputs.iter().zip(&self.keys).enumerate() {
            let found = match dict {
                Some(d) => d.get_item(key.bind(py))?,
                None => obs.get_item(key.bind(py)).ok(),
            };
            if let Some(item) = &found {
                if let Ok(f) = item.cast::<pyo3::types::PyFloat>() {
                    row.push(f.value());
                    continue;
                }
                // None, a pandas NA / NaT: a missing value (see docs/missing.md).
                if crate::graph::is_missing(item) {
                    row.push(f64::NAN);
                    continue;
                }
            }
            let item = match found {
                Some(item) => item,
                None => {
                    let state = self.inner.needed_by(k).cloned();
                    return Err(to_pyerr(
                        py,
                        &CsmError::MissingColumn {
                            column: name.clone(),
                            state,
                        },
                    ));
                }
            };
            match value_from_py(&item) {
                Ok(v) => row.push(v.num()),
                Err(_) => {
                    let found = item
                        .get_type()
                        .name()
                        .map(|n| n.to_string())
                        .unwrap_or_default();
                    let err = causaloid_core::CausalError::ColumnType {
                        name: name.clone(),
                        found,
                    };
                    return Err(to_pyerr(py, &err));
                }
            }
        }
        Ok(())
    }
}

/// Reads a dict laid out as `layout` (the same key objects, in the same
/// order) whose used values are all floats (or of a subclass, such as
/// NumPy's `float64`) into `row`; false (and `row` partly written) when it
/// is not such a dict, so the caller reads it the general way. One pass
/// over borrowed items: no reference counting and no iterator checks, the
/// per-event cost of a stream of sensor dicts.
fn read_float_items(
    d: &Bound<'_, PyDict>,
    layout: &[(Py<PyAny>, Option<usize>)],
    row: &mut [f64],
) -> bool {
    use pyo3::ffi;
    let mut pos: ffi::Py_ssize_t = 0;
    for (key, slot) in layout {
        let mut k: *mut ffi::PyObject = std::ptr::null_mut();
        let mut v: *mut ffi::PyObject = std::ptr::null_mut();
        // SAFETY: `d` is a live dict and the GIL is held for as long as the
        // `Bound` exists. Nothing in this loop runs Python code, allocates a
        // Python object or releases the GIL (pointer comparisons, a type
        // check, and `PyFloat_AsDouble` on a float or an instance of a
        // subclass, which reads the stored value (never `__float__`) and
        // cannot fail), so the dict cannot change during the pass
        // and `PyDict_Next` may be called with `pos` as it left it. `k` and
        // `v` are borrowed references owned by the dict; they are used only
        // before the next call and never escape.
        let value = unsafe {
            if ffi::PyDict_Next(d.as_ptr(), &mut pos, &mut k, &mut v) == 0 || k != key.as_ptr() {
                return false;
            }
            match slot {
                None => None,
                Some(_) if ffi::PyFloat_Check(v) != 0 => Some(ffi::PyFloat_AsDouble(v)),
                Some(_) => return false,
            }
        };
        if let (Some(i), Some(x)) = (*slot, value) {
            match row.get_mut(i) {
                Some(r) => *r = x,
                None => return false,
            }
        }
    }
    true
}

impl PyStateMachine {
    /// An observation decided the quick way when it can be (see
    /// `Machine::decide_quiet`): only under `Missing::Raise`, for a dict.
    fn quick(&self, py: Python<'_>, observation: &Bound<'_, PyAny>, missing: Missing) -> Quick {
        let Ok(d) = observation.cast_exact::<PyDict>() else {
            return Quick::Unread;
        };
        if missing != Missing::Raise {
            return Quick::Unread;
        }
        // SAFETY: `Machine::decide_quiet` runs no Python code and keeps the
        // GIL: it reads floats from a dict through borrowed pointers, then
        // the engine evaluates expression states on them (no host callback;
        // at most a context's read lock held for a clone, as on the ordinary
        // way) and counts the event.
        unsafe { self.machine.between_turns(py, |m| m.decide_quiet(d)) }.unwrap_or(Quick::Unread)
    }

    /// Runs `f` on the machine during the calling thread's turn.
    fn with<R>(&self, py: Python<'_>, f: impl FnOnce(&mut Machine) -> PyResult<R>) -> PyResult<R> {
        let turn = self.machine.turn(py);
        let mut m = get(py, &turn)?;
        f(&mut m)
    }
}

#[pymethods]
impl PyStateMachine {
    #[new]
    #[pyo3(signature = (states, ethos=None, window=None, log_limit=causaloid_core::csm::DEFAULT_LOG_LIMIT))]
    fn new(
        py: Python<'_>,
        states: Vec<StateSpec<'_>>,
        ethos: Option<PyRef<'_, PyEthos>>,
        window: Option<PyRef<'_, PyWindow>>,
        log_limit: usize,
    ) -> PyResult<PyStateMachine> {
        let states = states
            .into_iter()
            .map(state_from)
            .collect::<PyResult<Vec<_>>>()?;
        let mut inner = StateMachine::new(
            states,
            ethos.map(|e| e.snapshot().as_ref().clone()),
            window.map(|w| w.snapshot()),
        )
        .py(py)?;
        inner.set_log_limit(log_limit);
        let mut m = Machine {
            inner,
            keys: Vec::new(),
            buf: Vec::new(),
            layout: Vec::new(),
        };
        m.refresh(py);
        Ok(PyStateMachine {
            machine: Serial::new(m),
        })
    }

    fn add(&self, py: Python<'_>, spec: StateSpec<'_>) -> PyResult<()> {
        let (s, a) = state_from(spec)?;
        self.with(py, |m| {
            m.inner.add(s, a).py(py)?;
            m.refresh(py);
            Ok(())
        })
    }

    fn update(&self, py: Python<'_>, spec: StateSpec<'_>) -> PyResult<()> {
        let (s, a) = state_from(spec)?;
        self.with(py, |m| {
            m.inner.update(s, a).py(py)?;
            m.refresh(py);
            Ok(())
        })
    }

    fn remove(&self, py: Python<'_>, id: &Bound<'_, PyAny>) -> PyResult<()> {
        let id = node_id(id)?;
        self.with(py, |m| {
            m.inner.remove(&id).py(py)?;
            m.refresh(py);
            Ok(())
        })
    }

    #[pyo3(signature = (ethos=None))]
    fn set_ethos(&self, py: Python<'_>, ethos: Option<PyRef<'_, PyEthos>>) -> PyResult<()> {
        let ethos = ethos.map(|e| e.snapshot().as_ref().clone());
        self.with(py, |m| {
            m.inner.set_ethos(ethos).py(py)?;
            m.refresh(py);
            Ok(())
        })
    }

    #[getter]
    fn inputs(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        self.with(py, |m| Ok(m.inner.inputs().to_vec()))
    }

    #[getter]
    fn events(&self, py: Python<'_>) -> PyResult<u64> {
        self.with(py, |m| Ok(m.inner.events()))
    }

    fn state_ids<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyAny>>> {
        self.with(py, |m| {
            Ok(m.inner
                .states()
                .map(|(s, _)| node_id_to_py(py, &s.id))
                .collect())
        })
    }

    fn __len__(&self, py: Python<'_>) -> PyResult<usize> {
        self.with(py, |m| Ok(m.inner.len()))
    }

    fn window(&self, py: Python<'_>) -> PyResult<Option<PyWindow>> {
        self.with(py, |m| {
            Ok(m.inner.window().map(|w| PyWindow::of(w.clone())))
        })
    }

    /// Every state on one observation mapping, the quick way: returns the
    /// firings; the errors are logged, and with `raise_first` the first one
    /// is raised. A call where nothing fires and nothing fails locks the
    /// machine once and allocates no Python object but the empty list.
    ///
    /// This is `StateMachine.evaluate_all` itself (bound on each instance),
    /// so its signature is the public one: `errors` is "raise" or "record",
    /// and an observation that is not a dict is made one by the package's
    /// `_observation` (a mapping, a named tuple, or values in input order).
    /// `missing` decides a missing input a state reads ("raise", the
    /// default, "false", "true" or "propagate"; see `StateMachine::decide_with`).
    #[pyo3(signature = (observation, *, errors = None, missing = None), text_signature = "($self, observation, *, errors='raise', missing='raise')")]
    fn observe<'py>(
        &self,
        py: Python<'py>,
        observation: &Bound<'py, PyAny>,
        errors: Option<&Bound<'py, PyAny>>,
        missing: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyList>> {
        let missing = match missing {
            None => Missing::Raise,
            Some(m) => match m.cast::<PyString>() {
                Ok(name) => policy(py, name.to_str()?)?,
                Err(_) => policy(py, &m.repr()?.to_string())?,
            },
        };
        let raise_first = match errors.map(|e| e.cast::<PyString>().map(|s| s.to_str())) {
            None | Some(Ok(Ok("raise"))) => true,
            Some(Ok(Ok("record"))) => false,
            Some(_) => {
                let e = causaloid_core::CausalError::InvalidArgument {
                    name: "errors",
                    message: format!(
                        "errors must be 'raise' or 'record', got {}",
                        errors
                            .map(|e| e.repr())
                            .transpose()?
                            .map(|r| r.to_string())
                            .unwrap_or_default()
                    ),
                };
                return Err(to_pyerr(py, &e));
            }
        };
        let read = self.quick(py, observation, missing);
        if let Quick::Quiet = read {
            return Ok(PyList::empty(py));
        }
        let converted;
        let observation = if observation.is_exact_instance_of::<PyDict>() {
            observation
        } else {
            let inputs = self.with(py, |m| Ok(m.inner.inputs().to_vec()))?;
            converted = py
                .import("causaloid.csm.machine")?
                .getattr("_observation")?
                .call1((observation, inputs))?;
            &converted
        };
        let host: Py<PyAny> = observation.clone().unbind();
        let turn = self.machine.turn(py);
        let d = {
            let mut m = get(py, &turn)?;
            let (row, read) = match read {
                // The inputs were read before the turn: the observation as
                // it was when the call began.
                Quick::Read(row) => (row, Ok(())),
                Quick::Quiet | Quick::Unread => {
                    let mut row = std::mem::take(&mut m.buf);
                    let read = m.read_into(py, observation, &mut row);
                    (row, read)
                }
            };
            let d = read.and_then(|()| {
                m.inner
                    .decide_with(&row, None, Some(&host as &HostRow), missing)
                    .py(py)
            });
            m.buf = row;
            d?
        };
        // Unknown states (missing="propagate" only) are logged like errors.
        if d.firings.is_empty() && d.errors.is_empty() && d.unknown.is_empty() {
            return Ok(PyList::empty(py));
        }
        let (firings, errors) = act(py, &turn, d, Some(&host as &HostRow))?;
        drop(turn);
        if raise_first {
            if let Some((_, _, e)) = errors.into_iter().next() {
                return Err(PyErr::from_value(e.into_bound(py)));
            }
        }
        PyList::new(py, firings.into_iter().map(|inner| PyFiring { inner }))
    }

    /// Every state on one observation mapping, deciding a missing input by
    /// `missing`; returns (firings, errors, unknown states).
    #[pyo3(signature = (observation, missing="raise"))]
    #[allow(clippy::type_complexity)]
    fn evaluate_all(
        &self,
        py: Python<'_>,
        observation: &Bound<'_, PyAny>,
        missing: &str,
    ) -> PyResult<(Vec<PyFiring>, ErrorList, UnknownList)> {
        let missing = policy(py, missing)?;
        let read = self.quick(py, observation, missing);
        if let Quick::Quiet = read {
            return Ok((Vec::new(), Vec::new(), Vec::new()));
        }
        let host: Py<PyAny> = observation.clone().unbind();
        let turn = self.machine.turn(py);
        let d = {
            let mut m = get(py, &turn)?;
            let row = match read {
                Quick::Read(row) => row,
                Quick::Quiet | Quick::Unread => m.read(py, observation)?,
            };
            m.inner
                .decide_with(&row, None, Some(&host as &HostRow), missing)
                .py(py)?
        };
        let unknown = unknown_list(py, &d.unknown);
        let (firings, errors) = act(py, &turn, d, Some(&host as &HostRow))?;
        Ok((
            firings
                .into_iter()
                .map(|inner| PyFiring { inner })
                .collect(),
            errors,
            unknown,
        ))
    }

    /// One state, on an observation mapping (or none) and/or an incoming
    /// value, deciding a missing input by `missing`; returns (firings,
    /// errors, unknown states).
    #[pyo3(signature = (id, observation=None, value=None, missing="raise"))]
    #[allow(clippy::type_complexity)]
    fn evaluate(
        &self,
        py: Python<'_>,
        id: &Bound<'_, PyAny>,
        observation: Option<&Bound<'_, PyAny>>,
        value: Option<&Bound<'_, PyAny>>,
        missing: &str,
    ) -> PyResult<(Vec<PyFiring>, ErrorList, UnknownList)> {
        let missing = policy(py, missing)?;
        let id: NodeId = node_id(id)?;
        let value = match value {
            Some(v) if !v.is_none() => Some(value_from_py(v)?),
            _ => None,
        };
        let obs = observation.filter(|o| !o.is_none());
        let host: Option<Py<PyAny>> = obs.map(|o| o.clone().unbind());
        let turn = self.machine.turn(py);
        let d = {
            let mut m = get(py, &turn)?;
            // Only the columns this state needs must be there.
            let row = match obs {
                Some(o) => {
                    let inputs = m.inner.inputs().to_vec();
                    let mut row = Vec::with_capacity(inputs.len());
                    let mut present = Vec::with_capacity(inputs.len());
                    for name in &inputs {
                        let item = o.get_item(name).ok();
                        if item.as_ref().is_some_and(crate::graph::is_missing) {
                            // None, a pandas NA: present, and missing.
                            row.push(f64::NAN);
                            present.push(true);
                            continue;
                        }
                        match item.map(|i| value_from_py(&i)) {
                            Some(Ok(v)) => {
                                row.push(v.num());
                                present.push(true);
                            }
                            _ => {
                                row.push(f64::NAN);
                                present.push(false);
                            }
                        }
                    }
                    Some((row, present))
                }
                None => None,
            };
            let (r, p) = match &row {
                Some((r, p)) => (Some(r.as_slice()), Some(p.as_slice())),
                None => (None, None),
            };
            m.inner
                .decide_one(
                    &id,
                    r,
                    p,
                    value,
                    host.as_ref().map(|h| h as &HostRow),
                    missing,
                )
                .py(py)?
        };
        let unknown = unknown_list(py, &d.unknown);
        let (firings, errors) = act(py, &turn, d, host.as_ref().map(|h| h as &HostRow))?;
        Ok((
            firings
                .into_iter()
                .map(|inner| PyFiring { inner })
                .collect(),
            errors,
            unknown,
        ))
    }

    /// A table: `columns` aligned with `inputs`; `host` is what Python
    /// callables of the states receive (a dict of arrays); `row_of(i)` builds
    /// the observation an action sees for row i. Returns (rows, state
    /// positions, executed flags, firings, errors, first event, state ids
    /// the positions refer to, unknown states), one entry per firing; a
    /// missing input is decided by `missing`.
    #[pyo3(signature = (columns, n, host=None, row_of=None, missing="raise"))]
    #[allow(clippy::type_complexity)]
    fn run_batch<'py>(
        &self,
        py: Python<'py>,
        columns: Vec<PyReadonlyArray1<'py, f64>>,
        n: usize,
        host: Option<Py<PyAny>>,
        row_of: Option<Bound<'py, PyAny>>,
        missing: &str,
    ) -> PyResult<(
        Bound<'py, PyArray1<i64>>,
        Bound<'py, PyArray1<i64>>,
        Bound<'py, PyArray1<bool>>,
        FiringList,
        ErrorList,
        u64,
        Vec<Py<PyAny>>,
        UnknownList,
    )> {
        let missing = policy(py, missing)?;
        let slices = crate::conversion::column_slices(&columns)?;
        let turn = self.machine.turn(py);
        let (mut d, first_event, state_ids) = {
            let mut m = get(py, &turn)?;
            let first_event = m.inner.events();
            let state_ids: Vec<Py<PyAny>> = m
                .inner
                .states()
                .map(|(s, _)| node_id_to_py(py, &s.id).unbind())
                .collect();
            let hr = host.as_ref().map(|h| h as &HostRow);
            let d = if m.inner.slots_have_callables() {
                m.inner
                    .decide_batch_compact_with(&slices, n, hr, missing)
                    .py(py)?
            } else {
                let inner = &mut m.inner;
                py.detach(|| {
                    causaloid_core::threads::install(|| {
                        inner.decide_batch_compact_with(&slices, n, None, missing)
                    })
                })
                .py(py)?
            };
            (d, first_event, state_ids)
        };
        // Actions run in row order with the machine unlocked; each Python
        // action sees its own row, built only when it fires.
        let first = d.firings.first;
        let unknown = unknown_list(py, &d.unknown);
        d.firings.execute(|a, f| -> PyResult<()> {
            match &row_of {
                Some(rows) => {
                    let row: Py<PyAny> = rows.call1(((f.event - first) as usize,))?.unbind();
                    a.execute(f, Some(&row as &HostRow));
                }
                None => a.execute(f, None),
            }
            Ok(())
        })?;
        let (firings, errors) = get(py, &turn)?.inner.complete_batch(d);
        drop(turn);
        let errors: ErrorList = errors
            .iter()
            .map(|e| {
                let (n, s, x) = error_tuple(py, e);
                (n, s.unbind(), x.unbind())
            })
            .collect();
        let rows = PyArray1::from_iter(py, firings.rows().iter().map(|&r| r as i64));
        let executed = PyArray1::from_iter(
            py,
            firings.outcomes().iter().map(|o| *o != Outcome::Refused),
        );
        let positions = PyArray1::from_iter(py, firings.positions().iter().map(|&p| p as i64));
        Ok((
            rows,
            positions,
            executed,
            FiringList { inner: firings },
            errors,
            first_event,
            state_ids,
            unknown,
        ))
    }

    /// Continues as if `events` observations came first, the last of them
    /// giving these window columns (a partition resumed on another worker).
    fn resume(
        &self,
        py: Python<'_>,
        events: u64,
        columns: Vec<PyReadonlyArray1<'_, f64>>,
    ) -> PyResult<()> {
        let slices = crate::conversion::column_slices(&columns)?;
        self.with(py, |m| m.inner.resume(events, &slices).py(py))
    }

    fn log(&self, py: Python<'_>) -> PyResult<Vec<PyFiring>> {
        self.with(py, |m| {
            Ok(m.inner
                .log()
                .iter()
                .map(|inner| PyFiring { inner })
                .collect())
        })
    }

    fn errors<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let out = PyList::empty(py);
        let errors: Vec<EventError> =
            self.with(py, |m| Ok(m.inner.errors().iter().cloned().collect()))?;
        for e in &errors {
            out.append(error_tuple(py, e))?;
        }
        Ok(out)
    }

    /// The states found unknown (`missing="propagate"`), oldest first:
    /// (event, state id, missing inputs in words).
    fn unknown(&self, py: Python<'_>) -> PyResult<UnknownList> {
        let unknown: Vec<EventUnknown> =
            self.with(py, |m| Ok(m.inner.unknown().iter().cloned().collect()))?;
        Ok(unknown_list(py, &unknown))
    }

    fn clear_log(&self, py: Python<'_>) -> PyResult<()> {
        self.with(py, |m| {
            m.inner.clear_log();
            Ok(())
        })
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyWindow>()?;
    m.add_class::<PyFiring>()?;
    m.add_class::<FiringList>()?;
    m.add_class::<PyStateMachine>()?;
    Ok(())
}
