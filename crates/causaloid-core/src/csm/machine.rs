//! The state machine: its layout (which columns an observation must hold), the
//! single-observation path, and changes to states that are all-or-nothing.
//!
//! Deciding and acting are split: `decide` evaluates every state and vets the
//! actions of the active ones without running them, so a host can run the
//! actions with the machine unborrowed (an action may add or remove states;
//! the change applies from the next observation on). `complete` logs the
//! outcomes. `step` does all three for callers that need no such care.

use super::batch::BatchDecision;
use super::error::CsmError;
use super::graph_state::{GraphState, STATE_SLOT};
use super::record::{BatchFirings, FiringLog};
use super::state::{Action, Firing, Observation, Outcome, State};
use super::window::Window;
use crate::ethos::{ActionContext, DeonticVerdict, Ethos};
use crate::expr::{ColumnTable, Program, Scratch};
use crate::graph::{
    Function, HostRow, Input, Member, Missing, NodeId, Sampled, SampledInput, SampledMode,
};
use crate::value::{Kind, Value, Verdict};
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

/// How the machine evaluates one state.
#[derive(Clone, Debug)]
pub(crate) enum Kernel {
    /// A single expression causaloid, compiled straight onto the machine's row.
    Expr(Program),
    /// Anything else, evaluated through the graph engine on its gathered columns.
    Member(Vec<u32>),
}

#[derive(Clone)]
pub(crate) struct Slot {
    pub state: State,
    pub action: Action,
    pub kernel: Kernel,
    /// Input slots the state reads (for a precise missing-column error).
    pub needs: Vec<u32>,
    /// The state a stateful graph carries between observations.
    pub graph_state: Option<GraphState>,
    /// A comparison of one column with a literal, predecoded (the commonest
    /// state): (truth table, slot, literal); see `graph/single.rs`.
    pub cmp: Option<(u8, u32, f64)>,
}

/// One recorded problem: which observation, which state (if any), what.
#[derive(Clone, Debug)]
pub struct EventError {
    pub event: u64,
    pub state: Option<NodeId>,
    pub error: CsmError,
}

/// A state whose verdict is unknown on an observation: it reads a missing
/// input and the policy was `Missing::Propagate`. It did not fire.
#[derive(Clone, Debug, PartialEq)]
pub struct EventUnknown {
    pub event: u64,
    pub state: NodeId,
    /// The missing inputs met, in words (`"smoke" read by s`).
    pub missing: Vec<String>,
}

/// What deciding one state on one row found.
pub(crate) enum Decided {
    Verdict(Verdict),
    /// Unknown (`Missing::Propagate`): the missing inputs met, in words.
    Unknown(Vec<String>),
}

/// The result of [`StateMachine::decide`]: firings to run, in order.
pub struct Decision {
    pub event: u64,
    pub firings: Vec<(Firing, Action)>,
    pub errors: Vec<EventError>,
    /// States whose verdict is unknown (only under `Missing::Propagate`).
    pub unknown: Vec<EventUnknown>,
}

/// The default number of firings (and errors) the machine keeps.
pub const DEFAULT_LOG_LIMIT: usize = 100_000;

/// Whether a state of the tight pass (a column compared with a literal)
/// fires on a full `row`; None when its input is missing (NaN).
#[inline]
fn tight_fires(&(op, slot, lit): &(u8, u32, f64), row: &[f64]) -> Option<bool> {
    let x = row.get(slot as usize).copied().unwrap_or(f64::NAN);
    if x.is_nan() {
        None
    } else {
        Some(crate::graph::single::compare(op, x, lit) != 0.0)
    }
}

/// A causal state machine.
#[derive(Clone)]
pub struct StateMachine {
    pub(crate) slots: Vec<Slot>,
    index: HashMap<NodeId, usize>,
    pub(crate) ethos: Option<Ethos>,
    pub(crate) window: Option<Window>,
    pub(crate) table: ColumnTable,
    /// Full-row slots of the observation's own columns, in `inputs` order.
    pub(crate) input_slots: Vec<u32>,
    /// Whether the inputs lead the table, in order (no window feature or
    /// context read comes before them): a row starts as a copy of them.
    inputs_lead: bool,
    inputs: Vec<String>,
    /// Full-row slots of the window columns and of the window features.
    pub(crate) window_slots: Vec<u32>,
    pub(crate) feature_slots: Vec<u32>,
    /// "verdict" and the full-row names: the ethos's context.
    pub(crate) context_names: Arc<Vec<String>>,
    pub(crate) names: Arc<Vec<String>>,
    pub(crate) events: u64,
    log: FiringLog,
    errors: VecDeque<EventError>,
    unknown: VecDeque<EventUnknown>,
    log_limit: usize,
    /// Buffers one observation reuses (the full row, the expression stack,
    /// the active states), so a call allocates nothing when nothing fires.
    row_buf: Vec<f64>,
    stack: Scratch,
    /// When every state compares a column with a literal: those comparisons,
    /// in state order, so an observation runs them in one tight pass.
    comparisons: Option<Vec<(u8, u32, f64)>>,
    /// Those comparisons as the range of numbers each is false on (slot,
    /// lo, hi), when each has one (see `graph::single::false_range`).
    false_ranges: Option<Vec<(u32, f64, f64)>>,
    /// Whether every state is an expression compiled onto the row (see
    /// [`Self::decide_quiet`]).
    all_expressions: bool,
    active: Vec<(usize, Option<Value>, Verdict)>,
}

/// The name under which the ethos sees the firing state's verdict.
pub const VERDICT: &str = "verdict";

impl StateMachine {
    /// Builds a machine; state ids must be unique.
    pub fn new(
        states: Vec<(State, Action)>,
        ethos: Option<Ethos>,
        window: Option<Window>,
    ) -> Result<StateMachine, CsmError> {
        let mut m = StateMachine {
            slots: Vec::new(),
            index: HashMap::new(),
            ethos,
            window,
            table: ColumnTable::new(),
            input_slots: Vec::new(),
            inputs_lead: true,
            inputs: Vec::new(),
            window_slots: Vec::new(),
            feature_slots: Vec::new(),
            context_names: Arc::new(Vec::new()),
            names: Arc::new(Vec::new()),
            events: 0,
            log: FiringLog::default(),
            errors: VecDeque::new(),
            unknown: VecDeque::new(),
            log_limit: DEFAULT_LOG_LIMIT,
            row_buf: Vec::new(),
            stack: Scratch::new(),
            comparisons: None,
            false_ranges: None,
            all_expressions: true,
            active: Vec::new(),
        };
        m.rebuild(states)?;
        Ok(m)
    }

    /// Sets how many firings and errors are kept (the oldest drop out).
    pub fn set_log_limit(&mut self, limit: usize) {
        self.log_limit = limit;
        self.trim();
    }

    /// Lays the machine out for `states`; on failure nothing changes.
    fn rebuild(&mut self, states: Vec<(State, Action)>) -> Result<(), CsmError> {
        let mut index = HashMap::with_capacity(states.len());
        for (i, (s, _)) in states.iter().enumerate() {
            if index.insert(s.id.clone(), i).is_some() {
                return Err(CsmError::DuplicateState { id: s.id.clone() });
            }
        }
        let mut table = ColumnTable::new();
        let mut derived: Vec<String> = Vec::new();
        let mut window_slots = Vec::new();
        let mut feature_slots = Vec::new();
        if let Some(w) = &self.window {
            window_slots = w.columns().iter().map(|c| table.slot(c)).collect();
            derived = w.feature_names();
            feature_slots = derived.iter().map(|f| table.slot(f)).collect();
        }
        let mut slots = Vec::with_capacity(states.len());
        for (state, action) in states {
            // The member's inputs, for members evaluated through the graph
            // engine (which fills their context reads itself).
            // A stateful graph's state columns come from the state the
            // machine carries for it, not from the observation.
            let graph_state =
                GraphState::of(&state.member).map_err(|source| CsmError::Evaluation {
                    state: state.id.clone(),
                    source,
                })?;
            let map: Vec<u32> = state
                .member
                .columns()
                .iter()
                .map(|c| {
                    if graph_state.is_some() && GraphState::is_state_column(c) {
                        STATE_SLOT
                    } else {
                        table.slot(c)
                    }
                })
                .collect();
            let kernel = match &state.member {
                Member::Causaloid(c) => match c.function() {
                    // A state reading an uncertain data contextoid keeps its
                    // own reads: the graph engine samples them.
                    Function::Expr { program, .. }
                        if program.nodes().is_empty()
                            && !c.table().reads_uncertain().unwrap_or(false) =>
                    {
                        // Straight onto the machine's row: its reads become the
                        // machine's, filled once per row for every state.
                        let full =
                            table
                                .absorb(c.table())
                                .map_err(|source| CsmError::Evaluation {
                                    state: state.id.clone(),
                                    source,
                                })?;
                        Kernel::Expr(program.relink(&full))
                    }
                    _ => Kernel::Member(map.clone()),
                },
                _ => Kernel::Member(map.clone()),
            };
            let cmp = match &kernel {
                Kernel::Expr(program) => crate::graph::single::column_comparison(program),
                Kernel::Member(_) => None,
            };
            slots.push(Slot {
                state,
                action,
                kernel,
                needs: map,
                graph_state,
                cmp,
            });
        }
        if let Some(e) = &self.ethos {
            for c in e.columns() {
                if c != VERDICT {
                    table.slot(c);
                }
            }
        }
        let names: Vec<String> = table
            .slots()
            .iter()
            .map(|s| match s {
                crate::expr::Slot::Input(name) => name.clone(),
                crate::expr::Slot::Read(read) => read.to_string(),
            })
            .collect();
        let mut inputs = Vec::new();
        let mut input_slots = Vec::new();
        for (name, &slot) in table.names().iter().zip(table.input_slots()) {
            if !derived.contains(name) {
                inputs.push(name.clone());
                input_slots.push(slot);
            }
        }
        // "verdict" comes first so that it is the state's verdict even when an
        // observation has a column of that name.
        let mut context_names = vec![VERDICT.to_owned()];
        context_names.extend(names.iter().cloned());
        for s in &mut slots {
            // Only the observation's own columns can be missing.
            s.needs.retain(|slot| input_slots.contains(slot));
        }
        self.comparisons = slots.iter().map(|s| s.cmp).collect();
        self.all_expressions = slots.iter().all(|s| matches!(s.kernel, Kernel::Expr(_)));
        self.false_ranges = self.comparisons.as_ref().and_then(|all| {
            all.iter()
                .map(|&(t, slot, lit)| {
                    crate::graph::single::false_range(t, lit).map(|(lo, hi)| (slot, lo, hi))
                })
                .collect()
        });
        self.slots = slots;
        self.index = index;
        self.table = table;
        self.inputs = inputs;
        self.inputs_lead = input_slots
            .iter()
            .enumerate()
            .all(|(i, &s)| s as usize == i);
        self.input_slots = input_slots;
        self.window_slots = window_slots;
        self.feature_slots = feature_slots;
        self.names = Arc::new(names);
        self.context_names = Arc::new(context_names);
        Ok(())
    }

    fn current(&self) -> Vec<(State, Action)> {
        self.slots
            .iter()
            .map(|s| (s.state.clone(), s.action.clone()))
            .collect()
    }

    /// Adds a state at the end.
    pub fn add(&mut self, state: State, action: Action) -> Result<(), CsmError> {
        if self.index.contains_key(&state.id) {
            return Err(CsmError::DuplicateState { id: state.id });
        }
        let mut all = self.current();
        all.push((state, action));
        self.rebuild(all)
    }

    /// Replaces the state of the same id (and its action), keeping its place.
    pub fn update(&mut self, state: State, action: Action) -> Result<(), CsmError> {
        let i = self.position(&state.id)?;
        let mut all = self.current();
        all[i] = (state, action);
        self.rebuild(all)
    }

    /// Removes a state and returns it with its action.
    pub fn remove(&mut self, id: &NodeId) -> Result<(State, Action), CsmError> {
        let i = self.position(id)?;
        let mut all = self.current();
        let removed = all.remove(i);
        self.rebuild(all)?;
        Ok(removed)
    }

    /// Replaces (or removes) the ethos.
    pub fn set_ethos(&mut self, ethos: Option<Ethos>) -> Result<(), CsmError> {
        let old = std::mem::replace(&mut self.ethos, ethos);
        let all = self.current();
        if let Err(e) = self.rebuild(all) {
            self.ethos = old;
            return Err(e);
        }
        Ok(())
    }

    pub fn ethos(&self) -> Option<&Ethos> {
        self.ethos.as_ref()
    }

    pub fn window(&self) -> Option<&Window> {
        self.window.as_ref()
    }

    fn position(&self, id: &NodeId) -> Result<usize, CsmError> {
        self.index
            .get(id)
            .copied()
            .ok_or_else(|| CsmError::UnknownState { id: id.clone() })
    }

    pub fn state(&self, id: &NodeId) -> Result<(&State, &Action), CsmError> {
        let s = &self.slots[self.position(id)?];
        Ok((&s.state, &s.action))
    }

    pub fn states(&self) -> impl Iterator<Item = (&State, &Action)> {
        self.slots.iter().map(|s| (&s.state, &s.action))
    }

    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// The columns every observation must hold, in the order `decide` reads them.
    pub fn inputs(&self) -> &[String] {
        &self.inputs
    }

    /// The first state that reads input `k` (for naming it in errors).
    pub fn needed_by(&self, k: usize) -> Option<&NodeId> {
        let slot = *self.input_slots.get(k)?;
        self.slots
            .iter()
            .find(|s| s.needs.contains(&slot))
            .map(|s| &s.state.id)
    }

    /// Whether any state calls back into the host language.
    pub fn slots_have_callables(&self) -> bool {
        self.slots.iter().any(|s| s.state.member.has_callables())
    }

    /// How many observations the machine has seen.
    pub fn events(&self) -> u64 {
        self.events
    }

    pub fn log(&self) -> &FiringLog {
        &self.log
    }

    pub fn errors(&self) -> &VecDeque<EventError> {
        &self.errors
    }

    /// The states found unknown under `Missing::Propagate`, oldest first
    /// (as many as the log keeps).
    pub fn unknown(&self) -> &VecDeque<EventUnknown> {
        &self.unknown
    }

    pub fn clear_log(&mut self) {
        self.log.clear();
        self.errors.clear();
        self.unknown.clear();
    }

    // ---- one observation ------------------------------------------------------

    /// Builds the full row from the observation's inputs (in [`Self::inputs`]
    /// order) and, when `push`, moves the window on.
    fn full_row(&mut self, inputs: &[f64], push: bool) -> Result<Vec<f64>, CsmError> {
        let mut row = Vec::new();
        self.full_row_into(inputs, push, &mut row)?;
        Ok(row)
    }

    /// [`Self::full_row`] into `row` (its allocation reused from call to call).
    fn full_row_into(
        &mut self,
        inputs: &[f64],
        push: bool,
        row: &mut Vec<f64>,
    ) -> Result<(), CsmError> {
        if inputs.len() != self.inputs.len() {
            return Err(CsmError::Shape {
                what: "the observation".into(),
                expected: self.inputs.len(),
                found: inputs.len(),
            });
        }
        row.clear();
        if self.inputs_lead {
            // The inputs lead the table, in order (no window feature or
            // context read comes before them): one copy.
            row.extend_from_slice(inputs);
            row.resize(self.table.len(), f64::NAN);
        } else {
            row.resize(self.table.len(), f64::NAN);
            for (&slot, &x) in self.input_slots.iter().zip(inputs) {
                row[slot as usize] = x;
            }
        }
        if let Some(w) = &mut self.window {
            if push {
                let vals: Vec<f64> = self.window_slots.iter().map(|&s| row[s as usize]).collect();
                w.push_row(&vals);
            }
            let mut feats = Vec::new();
            w.features_into(&mut feats);
            for (&slot, &x) in self.feature_slots.iter().zip(&feats) {
                row[slot as usize] = x;
            }
        }
        self.table
            .fill_row(row)
            .map_err(|source| CsmError::Read { source })?;
        Ok(())
    }

    /// Evaluates slot `i` on a full row, deciding a missing input it reads
    /// by `missing` (see `graph/missing.rs`).
    pub(crate) fn verdict_of(
        &self,
        i: usize,
        row: &[f64],
        value: Option<Value>,
        host: Option<&HostRow>,
        stack: &mut Scratch,
        missing: Missing,
    ) -> Result<Decided, CsmError> {
        let s = &self.slots[i];
        if let Some((table, slot, lit)) = s.cmp {
            let x = row.get(slot as usize).copied().unwrap_or(f64::NAN);
            // a missing input takes the general path, which raises it
            if !x.is_nan() {
                return Ok(Decided::Verdict(Verdict::Bool(
                    crate::graph::single::compare(table, x, lit) != 0.0,
                )));
            }
        }
        let fail = |source| CsmError::Evaluation {
            state: s.state.id.clone(),
            source,
        };
        match &s.kernel {
            Kernel::Expr(program) => {
                if program.reads_value() && value.is_none() {
                    return Err(fail(crate::CausalError::MissingValue {
                        id: s.state.member.id().clone(),
                    }));
                }
                let invalid = |bad: f64| {
                    fail(crate::CausalError::InvalidVerdict {
                        id: s.state.member.id().clone(),
                        found: format!("{bad}"),
                        row: None,
                    })
                };
                // A missing input raises by default, as in every consumer;
                // the other policies decide it as graph/missing.rs does.
                if let Some(slot) = crate::graph::missing::program_missing(program, row) {
                    if missing == Missing::Raise {
                        return Err(fail(crate::CausalError::MissingInput {
                            column: crate::graph::missing::slot_name(&self.table, slot),
                            row: None,
                            id: s.state.member.id().clone(),
                        }));
                    }
                    let (v, notes) = crate::graph::missing::program_row(
                        s.state.member.id(),
                        program,
                        &self.table,
                        value,
                        row,
                        missing,
                    )
                    .map_err(fail)?;
                    return match v {
                        None => Ok(Decided::Unknown(notes)),
                        Some(v) => Verdict::from_raw(v.kind(), v.num())
                            .map(Decided::Verdict)
                            .map_err(invalid),
                    };
                }
                let v = value.map_or((Kind::Num, f64::NAN), |v| (v.kind(), v.num()));
                let (kind, x) = program.eval(row, v, &[], stack);
                Verdict::from_raw(kind, x)
                    .map(Decided::Verdict)
                    .map_err(invalid)
            }
            Kernel::Member(map) => {
                let mut sub: Vec<f64> = map
                    .iter()
                    .map(|&k| row.get(k as usize).copied().unwrap_or(f64::NAN))
                    .collect();
                if let Some(gs) = &s.graph_state {
                    gs.fill(&mut sub);
                }
                let eval = if s.state.member.reads_uncertain_context().map_err(fail)? {
                    // On seeded samples, as the state's causaloid alone decides.
                    let samples = match &s.state.member {
                        Member::Causaloid(c) => c.decide(),
                        _ => None,
                    }
                    .unwrap_or_default()
                    .max_samples;
                    let input = SampledInput {
                        value: value.map(Sampled::Certain),
                        row: sub
                            .iter()
                            .map(|&x| Sampled::Certain(Value::Num(x)))
                            .collect(),
                        host,
                        seed: crate::graph::DEFAULT_BATCH_SEED,
                        samples,
                    };
                    s.state
                        .member
                        .evaluate_sampled(&input, &SampledMode::Roots)
                        .map_err(fail)?
                } else {
                    s.state.member.evaluate_with(
                        &Input {
                            value,
                            row: &sub,
                            host,
                        },
                        missing,
                    )
                };
                if let Some(gs) = &s.graph_state {
                    gs.advance(&eval);
                }
                if eval.is_unknown() {
                    return Ok(Decided::Unknown(eval.missing_inputs().to_vec()));
                }
                eval.verdict().map(Decided::Verdict).map_err(fail)
            }
        }
    }

    /// Decides slot `i` on a full row: an active verdict joins `active`, a
    /// failure joins `errors` (recorded against `event`).
    #[allow(clippy::too_many_arguments)]
    fn decide_slot(
        &self,
        i: usize,
        row: &[f64],
        host: Option<&HostRow>,
        stack: &mut Scratch,
        event: u64,
        active: &mut Vec<(usize, Option<Value>, Verdict)>,
        errors: &mut Vec<EventError>,
        missing: Missing,
        unknown: &mut Vec<EventUnknown>,
    ) {
        let value = self.slots[i].state.data;
        match self.verdict_of(i, row, value, host, stack, missing) {
            Ok(Decided::Verdict(v)) if v.is_active() => active.push((i, value, v)),
            Ok(Decided::Verdict(_)) => {}
            Ok(Decided::Unknown(notes)) => unknown.push(EventUnknown {
                event,
                state: self.slots[i].state.id.clone(),
                missing: notes,
            }),
            Err(e) => errors.push(EventError {
                event,
                state: Some(self.slots[i].state.id.clone()),
                error: e,
            }),
        }
    }

    /// The ethos's judgement of slot `i` firing on a full row (None without
    /// an ethos); a missing value a norm reads is decided by `missing`, the
    /// machine's policy for the call.
    pub(crate) fn judge(
        &self,
        i: usize,
        row: &[f64],
        verdict: Verdict,
        missing: Missing,
    ) -> Result<Option<Box<DeonticVerdict>>, CsmError> {
        let Some(ethos) = &self.ethos else {
            return Ok(None);
        };
        let s = &self.slots[i];
        let name = s.action.name();
        let mut ctx: Vec<f64> = Vec::with_capacity(row.len() + 1);
        ctx.push(verdict.degree());
        ctx.extend_from_slice(row);
        let view = ActionContext::new(&self.context_names, &ctx);
        let v = ethos
            .evaluate_tagged_with(name, &[], &view, None, missing)
            .map_err(|source| CsmError::Ethos {
                state: s.state.id.clone(),
                action: name.to_string(),
                source,
            })?;
        Ok(Some(Box::new(v)))
    }

    /// Judges the firing of slot `i` and builds its log entry.
    pub(crate) fn vet(
        &self,
        i: usize,
        event: u64,
        input: Observation,
        value: Option<Value>,
        verdict: Verdict,
        missing: Missing,
    ) -> Result<(Firing, Action), CsmError> {
        let s = &self.slots[i];
        let action = s.action.clone();
        let vetting = self.judge(i, input.values(), verdict, missing)?;
        let outcome = match &vetting {
            Some(v) if !v.permitted() => Outcome::Refused,
            _ => Outcome::Pending,
        };
        let firing = Firing {
            event,
            state: s.state.id.clone(),
            position: i,
            action: action.name().clone(),
            value,
            input,
            verdict,
            vetting,
            outcome,
        };
        Ok((firing, action))
    }

    fn missing(&self, i: usize, inputs_present: &[bool]) -> Option<CsmError> {
        let s = &self.slots[i];
        for &slot in &s.needs {
            let k = self.input_slots.iter().position(|&x| x == slot)?;
            if !inputs_present.get(k).copied().unwrap_or(true) {
                return Some(CsmError::MissingColumn {
                    column: self.table.names()[slot as usize].clone(),
                    state: Some(s.state.id.clone()),
                });
            }
        }
        None
    }

    /// Evaluates every state on one observation (inputs in [`Self::inputs`]
    /// order; `present[k]` false marks input `k` as absent) and vets the
    /// actions of the active ones. Nothing runs yet.
    pub fn decide(
        &mut self,
        inputs: &[f64],
        present: Option<&[bool]>,
        host: Option<&HostRow>,
    ) -> Result<Decision, CsmError> {
        self.decide_with(inputs, present, host, Missing::Raise)
    }

    /// [`Self::decide`], deciding a missing input a state reads by `missing`:
    /// `False` / `True` decide that state false / true, `Propagate` leaves
    /// its verdict unknown (it does not fire; [`Decision::unknown`] lists it).
    pub fn decide_with(
        &mut self,
        inputs: &[f64],
        present: Option<&[bool]>,
        host: Option<&HostRow>,
        missing: Missing,
    ) -> Result<Decision, CsmError> {
        let mut row = std::mem::take(&mut self.row_buf);
        if let Err(e) = self.full_row_into(inputs, true, &mut row) {
            self.row_buf = row;
            return Err(e);
        }
        let event = self.events;
        self.events += 1;
        let mut stack = std::mem::take(&mut self.stack);
        let mut firings = Vec::new();
        let mut errors = Vec::new();
        let mut unknown = Vec::new();
        let mut active = std::mem::take(&mut self.active);
        active.clear();
        // The tight pass serves the default policy; the others take the
        // general pass, which decides a missing input by `missing`.
        let all_compare = if present.is_none() && missing == Missing::Raise {
            self.comparisons.as_deref()
        } else {
            None
        };
        if let Some(all) = all_compare {
            // Every state compares a column with a literal: one tight pass
            // over the predecoded comparisons (only a missing input can fail).
            for (i, cmp) in all.iter().enumerate() {
                let Some(fires) = tight_fires(cmp, &row) else {
                    // A missing input: the general pass records its error.
                    self.decide_slot(
                        i,
                        &row,
                        host,
                        &mut stack,
                        event,
                        &mut active,
                        &mut errors,
                        missing,
                        &mut unknown,
                    );
                    continue;
                };
                if fires {
                    active.push((i, self.slots[i].state.data, Verdict::Bool(true)));
                }
            }
        } else {
            for i in 0..self.slots.len() {
                if let Some(e) = present.and_then(|p| self.missing(i, p)) {
                    errors.push(EventError {
                        event,
                        state: Some(self.slots[i].state.id.clone()),
                        error: e,
                    });
                    continue;
                }
                self.decide_slot(
                    i,
                    &row,
                    host,
                    &mut stack,
                    event,
                    &mut active,
                    &mut errors,
                    missing,
                    &mut unknown,
                );
            }
        }
        if !active.is_empty() {
            // The row is shared by the firings' log entries: built only when
            // some state fires, and moved into the last one.
            let rows = std::iter::repeat_n(Arc::<[f64]>::from(row.as_slice()), active.len());
            firings.reserve_exact(active.len());
            for (&(i, value, v), shared) in active.iter().zip(rows) {
                let input = Observation::new(self.names.clone(), shared, 0);
                match self.vet(i, event, input, value, v, missing) {
                    Ok(f) => firings.push(f),
                    Err(e) => errors.push(EventError {
                        event,
                        state: Some(self.slots[i].state.id.clone()),
                        error: e,
                    }),
                }
            }
        }
        self.row_buf = row;
        self.stack = stack;
        self.active = active;
        Ok(Decision {
            event,
            firings,
            errors,
            unknown,
        })
    }

    /// The common case of [`Self::decide_with`] with no `present` mask and
    /// `Missing::Raise`, decided without building a decision: when every
    /// state is an expression (no callable, graph or collection), the machine
    /// has no window, and on `inputs` no input is missing, no state fails and
    /// none fires, counts the event and returns its number (`decide_with`
    /// would return a decision with nothing in it, having done the same).
    /// Otherwise it changes nothing and returns None; the caller decides with
    /// `decide_with`. Nothing here calls back into the host.
    pub fn decide_quiet(&mut self, inputs: &[f64]) -> Option<u64> {
        if self.window.is_some() || !self.all_expressions {
            return None;
        }
        let mut stack = std::mem::take(&mut self.stack);
        let quiet = if self.inputs_lead
            && inputs.len() == self.inputs.len()
            && self.table.len() == inputs.len()
            && !self.table.has_reads()
        {
            // The full row is the inputs themselves.
            self.quiet_on(inputs, &mut stack)
        } else {
            let mut row = std::mem::take(&mut self.row_buf);
            let quiet = self.full_row_into(inputs, true, &mut row).is_ok()
                && self.quiet_on(&row, &mut stack);
            self.row_buf = row;
            quiet
        };
        self.stack = stack;
        if !quiet {
            return None;
        }
        let event = self.events;
        self.events += 1;
        Some(event)
    }

    /// Whether every state decides inactive on the full `row`, without an
    /// error (a missing input is one).
    fn quiet_on(&self, row: &[f64], stack: &mut Scratch) -> bool {
        if let Some(ranges) = &self.false_ranges {
            // Comparisons with literals: two compares a state, no branch (a
            // NaN is in no range).
            return ranges.iter().fold(true, |quiet, &(slot, lo, hi)| {
                let x = row.get(slot as usize).copied().unwrap_or(f64::NAN);
                quiet & (lo <= x) & (x <= hi)
            });
        }
        self.slots.iter().enumerate().all(|(i, s)| {
            matches!(
                self.verdict_of(i, row, s.state.data, None, stack, Missing::Raise),
                Ok(Decided::Verdict(v)) if !v.is_active()
            )
        })
    }

    /// Evaluates one state on an observation without moving the window or
    /// counting an event. `value` overrides the state's data.
    pub fn decide_one(
        &mut self,
        id: &NodeId,
        inputs: Option<&[f64]>,
        present: Option<&[bool]>,
        value: Option<Value>,
        host: Option<&HostRow>,
        missing: Missing,
    ) -> Result<Decision, CsmError> {
        let i = self.position(id)?;
        let absent = vec![false; self.inputs.len()];
        let nan = vec![f64::NAN; self.inputs.len()];
        let (inputs, present) = match inputs {
            Some(x) => (x, present),
            None => (nan.as_slice(), Some(absent.as_slice())),
        };
        if let Some(e) = present.and_then(|p| self.missing(i, p)) {
            return Err(e);
        }
        let row: Arc<[f64]> = self.full_row(inputs, false)?.into();
        let value = value.or(self.slots[i].state.data);
        let mut stack = Scratch::new();
        let decided = self.verdict_of(i, &row, value, host, &mut stack, missing)?;
        let event = self.events;
        self.events += 1;
        let mut firings = Vec::new();
        let mut unknown = Vec::new();
        match decided {
            Decided::Verdict(v) if v.is_active() => {
                let input = Observation::new(self.names.clone(), row, 0);
                firings.push(self.vet(i, event, input, value, v, missing)?);
            }
            Decided::Verdict(_) => {}
            Decided::Unknown(notes) => unknown.push(EventUnknown {
                event,
                state: self.slots[i].state.id.clone(),
                missing: notes,
            }),
        }
        Ok(Decision {
            event,
            firings,
            errors: Vec::new(),
            unknown,
        })
    }

    /// Logs the firings of a decision (after their actions ran) and its errors,
    /// action failures included. Returns the firings (shared with the log).
    pub fn complete(&mut self, decision: Decision) -> Vec<Arc<Firing>> {
        for e in decision.errors {
            self.errors.push_back(e);
        }
        self.unknown.extend(decision.unknown);
        let mut out = Vec::with_capacity(decision.firings.len());
        for (f, _) in decision.firings {
            if let Outcome::Failed { message, payload } = &f.outcome {
                self.errors.push_back(EventError {
                    event: f.event,
                    state: Some(f.state.clone()),
                    error: CsmError::Action {
                        state: f.state.clone(),
                        action: f.action.to_string(),
                        message: message.clone(),
                        payload: payload.clone(),
                    },
                });
            }
            let f = Arc::new(f);
            if self.log_limit > 0 {
                self.log.push(f.clone());
            }
            out.push(f);
        }
        self.trim();
        out
    }

    /// [`Self::complete`] for a batch decided by [`Self::decide_batch_compact`]
    /// whose actions ran: the same log, the firings kept compact. Returns the
    /// firings and the batch's errors (actions' included), which are also
    /// logged, in the order a stream of its rows would log them: by row, each
    /// row's deciding errors before its actions' failures.
    pub fn complete_batch(
        &mut self,
        decision: BatchDecision,
    ) -> (Arc<BatchFirings>, Vec<EventError>) {
        let BatchDecision {
            firings,
            errors: decided,
            unknown,
        } = decision;
        self.unknown.extend(unknown);
        let mut failed = Vec::new();
        for (k, o) in firings.outcomes().iter().enumerate() {
            if let Outcome::Failed { message, payload } = o {
                let Some(f) = firings.firing(k) else { continue };
                failed.push(EventError {
                    event: f.event,
                    state: Some(f.state.clone()),
                    error: CsmError::Action {
                        state: f.state.clone(),
                        action: f.action.to_string(),
                        message: message.clone(),
                        payload: payload.clone(),
                    },
                });
            }
        }
        let errors = if failed.is_empty() {
            decided
        } else {
            let mut merged = Vec::with_capacity(decided.len() + failed.len());
            let mut failed = failed.into_iter().peekable();
            for e in decided {
                while let Some(f) = failed.next_if(|f| f.event < e.event) {
                    merged.push(f);
                }
                merged.push(e);
            }
            merged.extend(failed);
            merged
        };
        self.errors.extend(errors.iter().cloned());
        let firings = Arc::new(firings);
        if self.log_limit > 0 {
            self.log.push_batch(&firings);
        }
        self.trim();
        (firings, errors)
    }

    fn trim(&mut self) {
        self.log.trim(self.log_limit);
        while self.errors.len() > self.log_limit {
            self.errors.pop_front();
        }
        while self.unknown.len() > self.log_limit {
            self.unknown.pop_front();
        }
    }

    /// Decides, runs the actions, logs: the whole of one observation.
    pub fn step(
        &mut self,
        inputs: &[f64],
        host: Option<&HostRow>,
    ) -> Result<Vec<Arc<Firing>>, CsmError> {
        let mut d = self.decide(inputs, None, host)?;
        for (f, a) in &mut d.firings {
            a.execute(f, host);
        }
        Ok(self.complete(d))
    }
}
