//! The record of an evaluation: one small structured entry per causaloid
//! evaluated (O(nodes) in total), rendered to plain text only when asked.

use super::causaloid::Function;
use super::id::NodeId;
use super::member::Member;
use super::single::{RowPlan, RowRun};
use super::why;
use crate::context::{civil_from_days, period_label, MAX_ABS_SECONDS};
use crate::error::CausalError;
use crate::expr::{ContextRead, Expr, ReadKind, Slot};
use crate::value::{Value, Verdict};
use std::sync::{Arc, OnceLock};

/// What happened to one member.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Outcome {
    /// Decided a value: a number, a bool or a degree.
    Decided(Value),
    /// Relayed to node `target` (an index into the graph's nodes) with `value`.
    Relayed {
        target: u32,
        value: Value,
    },
    /// A nested collection or graph started; its members are in `scope`.
    Entered {
        scope: u32,
    },
    Failed,
    /// Unknown: it depends on a missing input (with `missing="propagate"`).
    Unknown,
}

/// One packed trace entry (24 bytes, so a 10 000-node evaluation writes
/// 240 KB of trace): the scope and member, the input and the output as raw
/// numbers, and tags saying how to read them. Use [`Entry::outcome`] and
/// [`Entry::input`] to decode.
#[derive(Clone, Copy, Debug)]
pub struct Entry {
    /// Low 24 bits: scope; high 8 bits: tags (see the constants below).
    meta: u32,
    pub member: u32,
    input: f64,
    output: f64,
}

const INPUT_NONE: u32 = 0;
const INPUT_BOOL: u32 = 1;
const INPUT_NUM: u32 = 2;
const OUT_DECIDED: u32 = 0;
const OUT_RELAYED: u32 = 1 << 2;
const OUT_ENTERED: u32 = 2 << 2;
const OUT_FAILED: u32 = 3 << 2;
const OUT_BOOL: u32 = 1 << 4;
const OUT_UNKNOWN: u32 = 1 << 5;
const SCOPE_MASK: u32 = (1 << 24) - 1;

impl Entry {
    #[inline(always)]
    pub(crate) fn pack(scope: u32, member: u32, input: Option<Value>, outcome: Outcome) -> Entry {
        let (in_tag, input) = match input {
            None => (INPUT_NONE, 0.0),
            Some(Value::Bool(b)) => (INPUT_BOOL, f64::from(u8::from(b))),
            Some(Value::Num(x)) => (INPUT_NUM, x),
        };
        let (out_tag, output) = match outcome {
            Outcome::Decided(Value::Bool(b)) => (OUT_DECIDED | OUT_BOOL, f64::from(u8::from(b))),
            Outcome::Decided(Value::Num(x)) => (OUT_DECIDED, x),
            Outcome::Relayed { value, .. } => (
                OUT_RELAYED
                    | if value.kind() == crate::Kind::Bool {
                        OUT_BOOL
                    } else {
                        0
                    },
                value.num(),
            ),
            Outcome::Entered { scope } => (OUT_ENTERED, f64::from(scope)),
            Outcome::Failed => (OUT_FAILED, 0.0),
            Outcome::Unknown => (OUT_DECIDED | OUT_UNKNOWN, f64::NAN),
        };
        Entry {
            meta: (scope & SCOPE_MASK) | ((in_tag | out_tag) << 24),
            member,
            input,
            output,
        }
    }

    /// The scope the entry belongs to (0: the top).
    pub fn scope(&self) -> u32 {
        self.meta & SCOPE_MASK
    }

    fn tags(&self) -> u32 {
        self.meta >> 24
    }

    /// The incoming value the member received.
    pub fn input(&self) -> Option<Value> {
        match self.tags() & 3 {
            INPUT_BOOL => Some(Value::Bool(self.input != 0.0)),
            INPUT_NUM => Some(Value::Num(self.input)),
            _ => None,
        }
    }

    /// What happened; a relay's target is resolved by [`Trace::relay_target`].
    pub fn outcome(&self, relay_target: u32) -> Outcome {
        let is_bool = self.tags() & OUT_BOOL != 0;
        if self.tags() & OUT_UNKNOWN != 0 {
            return Outcome::Unknown;
        }
        match self.tags() & (3 << 2) {
            OUT_DECIDED if is_bool => Outcome::Decided(Value::Bool(self.output != 0.0)),
            OUT_DECIDED => Outcome::Decided(Value::Num(self.output)),
            OUT_RELAYED => Outcome::Relayed {
                target: relay_target,
                value: if is_bool {
                    Value::Bool(self.output != 0.0)
                } else {
                    Value::Num(self.output)
                },
            },
            OUT_ENTERED => Outcome::Entered {
                scope: self.output as u32,
            },
            _ => Outcome::Failed,
        }
    }
}

/// A trace entry, unpacked.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Decoded {
    pub scope: u32,
    pub member: u32,
    pub input: Option<Value>,
    pub outcome: Outcome,
}

#[derive(Clone, Copy, Debug)]
struct Scope {
    parent: u32,
    member: u32,
}

/// Entries in evaluation order. Scope 0 is the top: its member 0 is the
/// structure that was evaluated; every nested structure opens a new scope.
#[derive(Clone, Debug, Default)]
pub struct Trace {
    entries: Vec<Entry>,
    scopes: Vec<Scope>,
    /// (scope, nodes whose verdicts a graph joined into its own).
    conclusions: Vec<(u32, Vec<u32>)>,
    /// (entry index, target node) of every relay, in entry order.
    relays: Vec<(u32, u32)>,
    /// A graph evaluated whole by its single-row plan: the entries are built
    /// from each node's value when first read (see `single.rs`).
    dense: Option<Arc<Dense>>,
    built: OnceLock<Vec<Entry>>,
}

/// The record of a run of a [`RowPlan`]: enough to rebuild its entries.
#[derive(Debug)]
struct Dense {
    plan: Arc<RowPlan>,
    run: RowRun,
    value: Option<Value>,
}

impl Trace {
    pub fn with_capacity(n: usize) -> Trace {
        Trace {
            entries: Vec::with_capacity(n),
            scopes: vec![Scope {
                parent: u32::MAX,
                member: 0,
            }],
            conclusions: Vec::new(),
            relays: Vec::new(),
            dense: None,
            built: OnceLock::new(),
        }
    }

    /// The trace of a graph evaluated from its roots by its single-row plan:
    /// the top scope (the graph) and scope 1 (its nodes), entries built lazily.
    pub(crate) fn dense(plan: Arc<RowPlan>, run: RowRun, value: Option<Value>) -> Trace {
        Trace {
            entries: Vec::new(),
            scopes: vec![
                Scope {
                    parent: u32::MAX,
                    member: 0,
                },
                Scope {
                    parent: 0,
                    member: 0,
                },
            ],
            conclusions: vec![(1, plan.sink_nodes())],
            relays: Vec::new(),
            dense: Some(Arc::new(Dense { plan, run, value })),
            built: OnceLock::new(),
        }
    }

    pub fn entries(&self) -> &[Entry] {
        match &self.dense {
            None => &self.entries,
            Some(d) => self
                .built
                .get_or_init(|| d.plan.entries(&d.run, d.value, 1)),
        }
    }

    /// The number of entries (without building a lazy trace's).
    pub fn len(&self) -> usize {
        match &self.dense {
            None => self.entries.len(),
            Some(d) => d.run.len() + 2,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    #[inline(always)]
    pub(crate) fn push(&mut self, scope: u32, member: u32, input: Option<Value>, outcome: Outcome) {
        self.entries
            .push(Entry::pack(scope, member, input, outcome));
    }

    /// The node a relay entry relayed to (u32::MAX when it was not resolved).
    pub fn relay_target(&self, entry: usize) -> u32 {
        self.relays
            .binary_search_by_key(&(entry as u32), |&(e, _)| e)
            .map_or(u32::MAX, |i| self.relays[i].1)
    }

    /// Entries decoded, in order.
    pub fn decoded(&self) -> impl Iterator<Item = Decoded> + '_ {
        self.entries().iter().enumerate().map(|(i, e)| Decoded {
            scope: e.scope(),
            member: e.member,
            input: e.input(),
            outcome: e.outcome(self.relay_target(i)),
        })
    }

    pub(crate) fn enter(&mut self, scope: u32, member: u32, input: Option<Value>) -> u32 {
        let inner = self.scopes.len() as u32;
        self.scopes.push(Scope {
            parent: scope,
            member,
        });
        self.push(scope, member, input, Outcome::Entered { scope: inner });
        inner
    }

    pub(crate) fn leave(
        &mut self,
        scope: u32,
        member: u32,
        input: Option<Value>,
        result: &Result<Value, CausalError>,
    ) {
        let outcome = match result {
            Ok(v) => Outcome::Decided(*v),
            Err(_) => Outcome::Failed,
        };
        self.push(scope, member, input, outcome);
    }

    pub(crate) fn set_relay_target(&mut self, target: u32) {
        if let Some(last) = self.entries.len().checked_sub(1) {
            self.relays.push((last as u32, target));
        }
    }

    pub(crate) fn conclude(&mut self, scope: u32, joined: Vec<u32>) {
        self.conclusions.push((scope, joined));
    }

    fn depth(&self, scope: u32) -> usize {
        let mut d = 0;
        let mut s = scope;
        while s != 0 && (s as usize) < self.scopes.len() {
            d += 1;
            s = self.scopes[s as usize].parent;
        }
        d
    }
}

/// One evaluated row: the verdict or the error, the trace, and the input.
#[derive(Clone)]
pub struct Evaluation {
    top: Member,
    value: Option<Value>,
    row: Vec<f64>,
    result: Result<Value, CausalError>,
    trace: Trace,
    note: String,
    /// On uncertain inputs: what each input was, and every decision taken.
    uncertain: Vec<String>,
    decisions: Vec<(NodeId, crate::uncertain::Decision)>,
    /// The missing inputs met under a `missing=` policy, in words.
    missing: Vec<String>,
    /// Whether the verdict is unknown (`missing="propagate"`).
    unknown: bool,
}

/// One entry of the trace with names resolved, for programs that read
/// explanations rather than print them.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    pub depth: usize,
    pub kind: &'static str,
    pub id: NodeId,
    pub description: String,
    pub event: &'static str,
    pub input: Option<Value>,
    pub verdict: Option<Value>,
    pub relay_target: Option<NodeId>,
    pub relay_value: Option<Value>,
}

impl Evaluation {
    pub(crate) fn new(
        top: Member,
        value: Option<Value>,
        row: Vec<f64>,
        result: Result<Value, CausalError>,
        trace: Trace,
        note: String,
    ) -> Evaluation {
        Evaluation {
            top,
            value,
            row,
            result,
            trace,
            note,
            uncertain: Vec::new(),
            decisions: Vec::new(),
            missing: Vec::new(),
            unknown: false,
        }
    }

    /// Notes the missing inputs a `missing=` policy decided, and whether the
    /// verdict is unknown.
    pub(crate) fn with_missing(mut self, missing: Vec<String>, unknown: bool) -> Evaluation {
        self.missing = missing;
        self.unknown = unknown;
        self
    }

    /// Whether the verdict is unknown: it depends on a missing input and the
    /// policy was `missing="propagate"` (then [`Evaluation::result`] holds
    /// no meaningful value).
    pub fn is_unknown(&self) -> bool {
        self.unknown
    }

    /// The missing inputs met under a `missing=` policy, in words
    /// (`column "smoke" read by causaloid 1`).
    pub fn missing_inputs(&self) -> &[String] {
        &self.missing
    }

    pub(crate) fn with_uncertainty(
        mut self,
        notes: Vec<String>,
        decisions: Vec<(NodeId, crate::uncertain::Decision)>,
    ) -> Evaluation {
        self.uncertain = notes;
        self.decisions = decisions;
        self
    }

    /// The decisions the sequential probability ratio test took on uncertain
    /// inputs, by causaloid.
    pub fn decisions(&self) -> &[(NodeId, crate::uncertain::Decision)] {
        &self.decisions
    }

    /// What the evaluation decided: a number, a bool or a degree.
    pub fn result(&self) -> Result<Value, &CausalError> {
        self.result.as_ref().copied()
    }

    /// The result where a verdict is needed (a state, a norm): a number
    /// outside [0, 1] is a `InvalidVerdict` error naming the structure.
    pub fn verdict(&self) -> Result<Verdict, CausalError> {
        let v = self.result.as_ref().map_err(Clone::clone)?;
        super::causaloid::check_verdict(self.top.id(), v.kind(), v.num(), None)
    }

    /// The incoming value the evaluation started with.
    pub fn value(&self) -> Option<Value> {
        self.value
    }

    pub fn error(&self) -> Option<&CausalError> {
        self.result.as_ref().err()
    }

    pub fn trace(&self) -> &Trace {
        &self.trace
    }

    pub fn top(&self) -> &Member {
        &self.top
    }

    /// The structure each scope stands for (scope 0: the top).
    fn scope_members(&self) -> Vec<Option<&Member>> {
        let mut out: Vec<Option<&Member>> = Vec::with_capacity(self.trace.scopes.len());
        out.push(Some(&self.top));
        for s in self.trace.scopes.iter().skip(1) {
            let parent = out.get(s.parent as usize).copied().flatten();
            out.push(parent.and_then(|p| child(p, s.member, s.parent == 0)));
        }
        out
    }

    fn resolve<'a>(&'a self, scopes: &[Option<&'a Member>], e: &Decoded) -> Option<&'a Member> {
        let parent = scopes.get(e.scope as usize).copied().flatten()?;
        child(parent, e.member, e.scope == 0)
    }

    /// The trace with names resolved.
    pub fn records(&self) -> Vec<Record> {
        let scopes = self.scope_members();
        let mut out = Vec::with_capacity(self.trace.len());
        for e in self.trace.decoded() {
            let Some(m) = self.resolve(&scopes, &e) else {
                continue;
            };
            let (event, verdict, relay_target, relay_value) = match e.outcome {
                Outcome::Decided(v) => ("decided", Some(v), None, None),
                Outcome::Entered { .. } => ("entered", None, None, None),
                Outcome::Failed => ("failed", None, None, None),
                Outcome::Unknown => ("unknown", None, None, None),
                Outcome::Relayed { target, value } => {
                    let graph = scopes.get(e.scope as usize).copied().flatten();
                    let t = graph
                        .and_then(|g| child(g, target, false))
                        .map(|t| t.id().clone());
                    ("relayed", None, t, Some(value))
                }
            };
            out.push(Record {
                depth: self.trace.depth(e.scope),
                kind: m.kind_name(),
                id: m.id().clone(),
                description: m.description().to_owned(),
                event,
                input: e.input,
                verdict,
                relay_target,
                relay_value,
            });
        }
        out
    }

    /// The explanation, line by line: which causaloids ran, on what input, what
    /// each decided, and why the final verdict holds.
    pub fn lines(&self) -> Vec<String> {
        let scopes = self.scope_members();
        let mut lines = Vec::with_capacity(self.trace.len() + 2);
        for e in self.trace.decoded() {
            let Some(m) = self.resolve(&scopes, &e) else {
                continue;
            };
            let indent = "  ".repeat(self.trace.depth(e.scope));
            let name = format!("{} {} {:?}", m.kind_name(), m.id(), m.description());
            let line = match (e.outcome, m) {
                (Outcome::Entered { scope }, _) => {
                    let how = match m {
                        Member::Collection(c) => {
                            format!("{} of {} members", c.logic().describe(), c.members().len())
                        }
                        Member::Graph(g) => {
                            let mode = if e.scope == 0 && !self.note.is_empty() {
                                format!(", {}", self.note)
                            } else {
                                String::new()
                            };
                            format!("{} nodes{mode}", g.declared_nodes().len())
                        }
                        Member::Causaloid(_) => String::new(),
                    };
                    let _ = scope;
                    let on = if e.scope == 0 && e.input.is_none() {
                        self.row_text()
                    } else {
                        self.inputs(e.input, None)
                    };
                    format!("{indent}{name} ({how}) on {on}:")
                }
                (Outcome::Decided(v), Member::Causaloid(c)) => {
                    format!(
                        "{indent}{name}: {} on {} -> {v}",
                        function_text(c.function()),
                        self.inputs(e.input, c.expr())
                    )
                }
                (Outcome::Decided(v), _) => {
                    format!("{indent}= {name} -> {v}: {}", self.why(&scopes, &e, m, v))
                }
                (Outcome::Unknown, Member::Causaloid(c)) => format!(
                    "{indent}{name}: {} on {} -> unknown",
                    function_text(c.function()),
                    self.inputs(e.input, c.expr())
                ),
                (Outcome::Unknown, _) => {
                    format!("{indent}= {name} -> unknown: it depends on a missing input")
                }
                (Outcome::Relayed { value, .. }, _) => {
                    let target = self
                        .records_target(&scopes, &e)
                        .map_or("?".to_owned(), |t| t.to_string());
                    let f = if let Member::Causaloid(c) = m {
                        function_text(c.function())
                    } else {
                        String::new()
                    };
                    format!(
                        "{indent}{name}: {f} on {} -> relay to {target} with value {value}",
                        self.inputs(e.input, None)
                    )
                }
                (Outcome::Failed, _) => {
                    let expr = if let Member::Causaloid(c) = m {
                        c.expr()
                    } else {
                        None
                    };
                    format!("{indent}! {name} failed on {}", self.inputs(e.input, expr))
                }
            };
            lines.push(line);
        }
        lines.extend(self.uncertain.iter().cloned());
        if !self.decisions.is_empty() {
            lines.push("Uncertain decisions (sequential probability ratio test):".to_owned());
            for (id, d) in &self.decisions {
                let text = d.explain();
                let mut it = text.lines();
                if let Some(first) = it.next() {
                    lines.push(format!("  {id}: {first}"));
                }
                lines.extend(it.map(|l| format!("  {l}")));
            }
        }
        if !self.missing.is_empty() {
            lines.push(format!("Missing inputs: {}", self.missing.join("; ")));
        }
        match &self.result {
            Ok(_) if self.unknown => lines.push(
                "Final verdict: unknown (it depends on a missing input; missing=\"propagate\")"
                    .to_owned(),
            ),
            Ok(v) if Verdict::from_raw(v.kind(), v.num()).is_ok() => {
                lines.push(format!("Final verdict: {v}"))
            }
            Ok(v) => lines.push(format!("Final value: {}", readable(v.num()))),
            Err(err) => lines.push(format!("Failed: {err}")),
        }
        if let Some(why) = self.why_sentence(&scopes) {
            lines.push(format!("Why: {why}"));
        }
        lines
    }

    /// The closing sentence: which nodes decided the result, and why each
    /// decided what it did, following a node's input back to the parents
    /// that gave it (a few steps, so the sentence stays a sentence).
    pub fn why_sentence(&self, scopes: &[Option<&Member>]) -> Option<String> {
        let v = *self.result.as_ref().ok()?;
        let top = self.trace.decoded().find(|e| {
            e.scope == 0 && matches!(e.outcome, Outcome::Decided(_) | Outcome::Entered { .. })
        })?;
        let mut sentences = Vec::new();
        match (&self.top, top.outcome) {
            (Member::Causaloid(c), Outcome::Decided(_)) => {
                sentences.push(format!(
                    "{} because {}.",
                    shown_value(v),
                    self.member_reason(c, top.input, v, &|_| None)
                ));
            }
            (Member::Graph(g), Outcome::Entered { scope }) => {
                let decided = self.decided_in(scope);
                let joined = self
                    .trace
                    .conclusions
                    .iter()
                    .rev()
                    .find(|(s, _)| *s == scope)
                    .map(|(_, n)| n.clone())
                    .unwrap_or_default();
                // (node, the child it gave its value to, the pass-through nodes
                // skipped on the way); the final nodes first
                let mut queue: Vec<(u32, Option<u32>, usize)> =
                    joined.iter().map(|&n| (n, None, 0)).collect();
                let mut seen: Vec<u32> = Vec::new();
                let mut k = 0;
                while k < queue.len() && seen.len() < 4 {
                    let (n, gave_to, hops) = queue[k];
                    k += 1;
                    if seen.contains(&n) {
                        continue;
                    }
                    seen.push(n);
                    let found =
                        |i: u32| decided.iter().rev().find(|(m, _)| *m == i).map(|(_, d)| *d);
                    let (Some((input, value)), Some(node)) = (found(n), g.nodes().get(n as usize))
                    else {
                        continue;
                    };
                    let lookup = |id: &NodeId| found(g.index_of(id).ok()?).map(|(_, v)| v);
                    let because = self.node_reason(node, input, value, &lookup, scopes, scope, n);
                    let name = why::quote(node.id());
                    let head = match gave_to.and_then(|c| g.nodes().get(c as usize)) {
                        None => format!("{name} decided {}", shown_value(value)),
                        Some(child) if hops == 0 => format!(
                            "{name} gave {} {}",
                            why::quote(child.id()),
                            shown_value(value)
                        ),
                        Some(child) => format!(
                            "{name} gave {} to {} through {hops} node{} that pass it on,",
                            shown_value(value),
                            why::quote(child.id()),
                            if hops == 1 { "" } else { "s" }
                        ),
                    };
                    sentences.push(format!("{head} because {because}."));
                    let Some(input) = input.filter(|_| reads_input(node)) else {
                        continue;
                    };
                    // the parents whose verdict the input agrees with decided it
                    let deciding = |n: u32, input: Value| -> Vec<u32> {
                        let Some(node) = g.nodes().get(n as usize) else {
                            return Vec::new();
                        };
                        let parents: Vec<(u32, Value)> = g
                            .parents_of(node.id())
                            .unwrap_or_default()
                            .iter()
                            .filter_map(|p| {
                                let i = g.index_of(p).ok()?;
                                Some((i, found(i)?.1))
                            })
                            .collect();
                        let agree = |v: Value| active(v) == active(input);
                        if parents.iter().any(|(_, v)| agree(*v)) {
                            parents
                                .iter()
                                .filter(|(_, v)| agree(*v))
                                .map(|(i, _)| *i)
                                .collect()
                        } else {
                            parents.iter().map(|(i, _)| *i).collect()
                        }
                    };
                    for p in deciding(n, input).into_iter().take(3) {
                        // skip nodes that only pass their input on (a chain of
                        // `value()`), iteratively, to the node that decided
                        let (mut origin, mut hops) = (p, 0);
                        while hops < g.nodes().len() {
                            let Some(Member::Causaloid(c)) = g.nodes().get(origin as usize) else {
                                break;
                            };
                            let Some((Some(v), _)) = found(origin) else {
                                break;
                            };
                            if !matches!(c.expr(), Some(Expr::Value)) {
                                break;
                            }
                            match deciding(origin, v).first() {
                                Some(&up) => (origin, hops) = (up, hops + 1),
                                None => break,
                            }
                        }
                        queue.push((origin, Some(n), hops));
                    }
                }
                if queue.len() > k {
                    sentences.push("(Further upstream nodes are in the lines above.)".to_owned());
                }
            }
            (Member::Collection(_), Outcome::Entered { scope }) => {
                let e = self.trace.decoded().filter(|e| e.scope == 0).last()?;
                let text = self.why(scopes, &e, &self.top, v);
                let decided = self.decided_in(scope);
                let want = Verdict::from_raw(v.kind(), v.num()).is_ok_and(Verdict::is_active);
                let c = match &self.top {
                    Member::Collection(c) => c,
                    _ => return None,
                };
                let reasons: Vec<String> = decided
                    .iter()
                    .filter(|(_, (_, d))| {
                        Verdict::from_raw(d.kind(), d.num()).is_ok_and(Verdict::is_active) == want
                    })
                    .take(3)
                    .filter_map(|(i, (input, d))| {
                        let m = c.members().get(*i as usize)?;
                        Some(format!(
                            "{} is {} because {}",
                            why::quote(m.id()),
                            shown_value(*d),
                            self.node_reason(m, *input, *d, &|_| None, scopes, scope, *i)
                        ))
                    })
                    .collect();
                sentences.push(format!(
                    "{} because {text}: {}.",
                    shown_value(v),
                    why::join_and(&reasons)
                ));
            }
            _ => return None,
        }
        if !self.decisions.is_empty() {
            let tests: Vec<String> = self
                .decisions
                .iter()
                .map(|(id, d)| {
                    let text = d.explain();
                    format!("{} {}", why::quote(id), text.lines().next().unwrap_or(""))
                })
                .collect();
            sentences.push(format!(
                "On the uncertain inputs a sequential test decided {}.",
                why::join_and(&tests)
            ));
        }
        Some(sentences.join(" "))
    }

    /// Each member decided in `scope`, with its input and value.
    fn decided_in(&self, scope: u32) -> Vec<(u32, (Option<Value>, Value))> {
        self.trace
            .decoded()
            .filter(|x| x.scope == scope)
            .filter_map(|x| match x.outcome {
                Outcome::Decided(v) => Some((x.member, (x.input, v))),
                _ => None,
            })
            .collect()
    }

    #[allow(clippy::too_many_arguments)]
    fn node_reason(
        &self,
        m: &Member,
        input: Option<Value>,
        value: Value,
        nodes: &dyn Fn(&NodeId) -> Option<Value>,
        scopes: &[Option<&Member>],
        scope: u32,
        member: u32,
    ) -> String {
        match m {
            Member::Causaloid(c) => self.member_reason(c, input, value, nodes),
            Member::Collection(_) | Member::Graph(_) => {
                let entry = self
                    .trace
                    .decoded()
                    .filter(|e| e.scope == scope && e.member == member)
                    .last();
                match (entry, self.result.as_ref()) {
                    (Some(e), Ok(_)) => match e.outcome {
                        Outcome::Decided(v) => self.why(scopes, &e, m, v),
                        _ => String::new(),
                    },
                    _ => String::new(),
                }
            }
        }
    }

    /// Why one causaloid decided as it did on this row.
    fn member_reason(
        &self,
        c: &super::causaloid::Causaloid,
        input: Option<Value>,
        value: Value,
        nodes: &dyn Fn(&NodeId) -> Option<Value>,
    ) -> String {
        let Some(expr) = c.expr() else {
            return format!(
                "the {} returned {}",
                function_text(c.function()),
                shown_value(value)
            );
        };
        let table = self.top.table();
        let col = |name: &str| {
            table
                .get(name)
                .and_then(|s| self.row.get(s as usize))
                .copied()
        };
        let read = |r: &ContextRead| {
            let x = table.get_read(r).and_then(|s| self.row.get(s as usize))?;
            Some((*x, self.read_period(r)))
        };
        let env = why::Env {
            col: &col,
            read: &read,
            value: input,
            node: nodes,
        };
        why::reason(expr, &env)
    }

    fn records_target(&self, scopes: &[Option<&Member>], e: &Decoded) -> Option<NodeId> {
        if let Outcome::Relayed { target, .. } = e.outcome {
            let graph = scopes.get(e.scope as usize).copied().flatten()?;
            return child(graph, target, false).map(|t| t.id().clone());
        }
        None
    }

    /// The calendar periods a window read looked at in this row: `2021-09`
    /// for "the previous month" as of 2021-10-14, `2020-10 to 2021-09` for
    /// the twelve months before; None when the read is not anchored at a row
    /// column or looks ahead.
    fn read_period(&self, read: &ContextRead) -> Option<String> {
        let ReadKind::Window {
            scale: Some(scale),
            start,
            stop,
            at: Some(at),
            ..
        } = &read.read
        else {
            return None;
        };
        let last = stop - 1;
        if last > 0 || last < *start || !(-1000..=0).contains(start) {
            return None;
        }
        let slot = self.top.table().get(at)?;
        let t = *self.row.get(slot as usize)?;
        if !t.is_finite() || t.abs() > MAX_ABS_SECONDS as f64 {
            return None;
        }
        let label = |back: i64| {
            let mut period = scale.floor(t.floor() as i64);
            for _ in 0..back {
                period = scale.floor(period - 1);
            }
            let label = period_label(*scale, period);
            label
                .split_once(':')
                .map_or(label.clone(), |(_, p)| p.to_owned())
        };
        let (first, last) = (label(-start), label(-last));
        Some(if first == last {
            first
        } else {
            format!("{first} to {last}")
        })
    }

    /// The observation the top structure was evaluated on, by column name
    /// (`row smoke=0.1, temp=75`), or `no input` when there was none.
    fn row_text(&self) -> String {
        let table = self.top.table();
        let anchors: Vec<&str> = table
            .slots()
            .iter()
            .filter_map(|s| match s {
                Slot::Read(r) => r.anchor(),
                Slot::Input(_) => None,
            })
            .collect();
        let parts: Vec<String> = table
            .names()
            .iter()
            .zip(table.input_slots())
            .filter_map(|(name, &slot)| {
                let x = *self.row.get(slot as usize)?;
                // a column that anchors a context read is a time: show it as a date
                let shown = if anchors.contains(&name.as_str()) {
                    iso_time(x).unwrap_or_else(|| readable(x))
                } else {
                    readable(x)
                };
                Some(format!("{name}={shown}"))
            })
            .collect();
        if parts.is_empty() {
            "no input".to_owned()
        } else {
            format!("row {}", parts.join(", "))
        }
    }

    fn inputs(&self, value: Option<Value>, expr: Option<&Expr>) -> String {
        let mut parts = Vec::new();
        if let Some(v) = value {
            let v = match v {
                Value::Num(x) => readable(x),
                Value::Bool(b) => b.to_string(),
            };
            parts.push(format!("value={v}"));
        }
        if let Some(expr) = expr {
            let reads = expr.reads();
            for name in expr.columns() {
                let x = self
                    .top
                    .table()
                    .get(&name)
                    .and_then(|s| self.row.get(s as usize));
                if let Some(x) = x {
                    // a column that anchors a context read is a time: show it as a date
                    let is_time = reads.iter().any(|r| r.anchor() == Some(name.as_str()));
                    let shown = if is_time {
                        iso_time(*x).unwrap_or_else(|| readable(*x))
                    } else {
                        readable(*x)
                    };
                    parts.push(format!("{name}={shown}"));
                }
            }
            for read in &reads {
                let x = self
                    .top
                    .table()
                    .get_read(read)
                    .and_then(|s| self.row.get(s as usize));
                if let Some(x) = x {
                    // "last month's high (2021-09) = 52882.1, context btc"
                    let period = self
                        .read_period(read)
                        .map(|p| format!(" ({p})"))
                        .unwrap_or_default();
                    let ctx = if read.context.is_empty() {
                        String::new()
                    } else {
                        format!(", context {}", read.context)
                    };
                    parts.push(format!("{}{period} = {}{ctx}", read.phrase(), readable(*x)));
                }
            }
        }
        if parts.is_empty() {
            "no input".to_owned()
        } else {
            parts.join(", ")
        }
    }

    /// Why a collection or graph decided `v`.
    fn why(&self, scopes: &[Option<&Member>], e: &Decoded, m: &Member, v: Value) -> String {
        let inner = self
            .trace
            .decoded()
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .find_map(|x| match x.outcome {
                Outcome::Entered { scope } if x.scope == e.scope && x.member == e.member => {
                    Some(scope)
                }
                _ => None,
            });
        let Some(inner) = inner else {
            return String::new();
        };
        let decided: Vec<(u32, Value)> = self
            .trace
            .decoded()
            .filter(|x| x.scope == inner)
            .filter_map(|x| match x.outcome {
                Outcome::Decided(v) => Some((x.member, v)),
                _ => None,
            })
            .collect();
        match m {
            Member::Collection(c) => {
                let active = decided
                    .iter()
                    .filter(|(_, v)| {
                        Verdict::from_raw(v.kind(), v.num()).is_ok_and(Verdict::is_active)
                    })
                    .count();
                let _ = v;
                format!(
                    "{} of {} members active, the logic is {}",
                    active,
                    decided.len(),
                    c.logic().describe()
                )
            }
            Member::Graph(_) => {
                let joined = self
                    .trace
                    .conclusions
                    .iter()
                    .rev()
                    .find(|(s, _)| *s == inner);
                let graph = scopes.get(inner as usize).copied().flatten();
                let names: Vec<String> = joined
                    .map(|(_, nodes)| {
                        nodes
                            .iter()
                            .filter_map(|&n| {
                                let verdict = decided
                                    .iter()
                                    .rev()
                                    .find(|(i, _)| *i == n)
                                    .map(|(_, v)| *v)?;
                                let node = graph.and_then(|g| child(g, n, false))?;
                                Some(format!(
                                    "{} {:?} = {verdict}",
                                    node.id(),
                                    node.description()
                                ))
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                match names.len() {
                    0 => String::new(),
                    1 => format!("decided by its last node {}", names[0]),
                    _ => format!("the join (any) of its final nodes: {}", names.join(", ")),
                }
            }
            Member::Causaloid(_) => String::new(),
        }
    }
}

/// Member number `i` of a structure; for the virtual top scope, the top itself.
fn child(parent: &Member, i: u32, is_top: bool) -> Option<&Member> {
    if is_top {
        return Some(parent);
    }
    match parent {
        Member::Collection(c) => c.members().get(i as usize),
        Member::Graph(g) => g.nodes().get(i as usize),
        Member::Causaloid(_) => None,
    }
}

/// Seconds since 1970-01-01 UTC as an ISO date (`2021-10-14`), with the time
/// of day when it is not midnight (`2021-10-14T08:30:00Z`); None for a value
/// that is not a whole second inside the calendar range contexts accept.
fn iso_time(t: f64) -> Option<String> {
    if !t.is_finite() || t.fract() != 0.0 || t.abs() > MAX_ABS_SECONDS as f64 {
        return None;
    }
    let secs = t as i64;
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let tod = secs.rem_euclid(86_400);
    Some(if tod == 0 {
        format!("{y:04}-{m:02}-{d:02}")
    } else {
        let (hh, mm, ss) = (tod / 3600, tod % 3600 / 60, tod % 60);
        format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}Z")
    })
}

/// A number for people: exact when short, else six significant digits.
pub(super) fn readable(x: f64) -> String {
    let exact = format!("{x}");
    if exact.len() <= 10 || !x.is_finite() || x == 0.0 {
        return exact;
    }
    let magnitude = x.abs().log10().floor() as i32;
    if !(-4..9).contains(&magnitude) {
        return format!("{x:.5e}");
    }
    let decimals = (5 - magnitude).clamp(0, 12) as usize;
    let s = format!("{x:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s
    }
}

/// A result as the closing sentence says it: `true`, `0.75`.
fn shown_value(v: Value) -> String {
    match v {
        Value::Bool(b) => b.to_string(),
        Value::Num(x) => readable(x),
    }
}

fn active(v: Value) -> bool {
    Verdict::from_raw(v.kind(), v.num()).is_ok_and(Verdict::is_active)
}

/// Whether a member's decision depends on the value its parents gave it.
fn reads_input(m: &Member) -> bool {
    match m {
        Member::Causaloid(c) => c.expr().is_none_or(Expr::reads_value),
        Member::Collection(_) | Member::Graph(_) => true,
    }
}

fn function_text(f: &Function) -> String {
    match f {
        Function::Expr { expr, .. } => expr.to_string(),
        Function::Callable(c) => c.label(),
    }
}
