//! Single-row evaluation of a frozen graph: from the roots, from one cause
//! (its sub-graph), along the shortest path between two causes, or one node
//! alone. Values propagate in topological order: a node with one parent
//! receives its value (a number, a bool or a degree), a node with several
//! receives the join of their verdicts, and any node may read a parent's value
//! by id; a relay restarts the evaluation at its target, up to the graph's
//! bound on relay rounds.

use super::causal_graph::CausalGraph;
use super::causaloid::check_verdict;
use super::causaloid::HostRow;
use super::id::NodeId;
use super::member::{eval_causaloid_with, eval_member, Ctx, Input, Member, Step};
use super::missing::{self, Missing};
use super::sampled::SampledMode;
use super::trace::{Evaluation, Outcome, Trace};
use crate::error::CausalError;
use crate::value::{Kind, Value};
use std::collections::VecDeque;
use std::sync::Arc;

#[derive(Clone, Debug)]
pub(crate) enum Mode {
    Roots,
    From(u32),
    Path(Vec<u32>),
}

enum Run {
    Finished(Value),
    Relay(NodeId, Value),
}

impl CausalGraph {
    /// Evaluates the whole graph from its roots; `input.value` goes to every root.
    pub fn evaluate(self: &Arc<Self>, input: &Input<'_>) -> Result<Evaluation, CausalError> {
        self.top(Mode::Roots, input, String::new(), Missing::Raise, true)
    }

    /// [`CausalGraph::evaluate`] on the general path only (never the compact
    /// single-row plan): the reference the compact plan is tested against.
    #[cfg(test)]
    pub(crate) fn evaluate_general(
        self: &Arc<Self>,
        input: &Input<'_>,
    ) -> Result<Evaluation, CausalError> {
        self.top(Mode::Roots, input, String::new(), Missing::Raise, false)
    }

    /// Evaluates `part` of the graph (the whole graph, from a cause, along a
    /// path, or one node) deciding missing inputs by `missing` (see
    /// `missing.rs`); the other evaluations raise on a missing input.
    pub fn evaluate_with(
        self: &Arc<Self>,
        part: &SampledMode,
        input: &Input<'_>,
        missing: Missing,
    ) -> Result<Evaluation, CausalError> {
        match part {
            SampledMode::Roots => self.top(Mode::Roots, input, String::new(), missing, true),
            SampledMode::From(s) => {
                let i = self.index_of(s)?;
                self.top(Mode::From(i), input, format!("from {s}"), missing, true)
            }
            SampledMode::Path(a, b) => {
                let path = self.shortest_path(a, b)?;
                let names: Vec<String> = path
                    .iter()
                    .map(|&i| self.nodes()[i as usize].id().to_string())
                    .collect();
                let note = format!("along the path {}", names.join(" -> "));
                self.top(Mode::Path(path), input, note, missing, true)
            }
            SampledMode::Single(n) => {
                let i = self.index_of(n)?;
                self.top(
                    Mode::Path(vec![i]),
                    input,
                    format!("node {n} alone"),
                    missing,
                    true,
                )
            }
        }
    }

    /// Evaluates the sub-graph reachable from `start`, which receives `input.value`.
    pub fn evaluate_from(
        self: &Arc<Self>,
        start: &NodeId,
        input: &Input<'_>,
    ) -> Result<Evaluation, CausalError> {
        let s = self.index_of(start)?;
        self.top(
            Mode::From(s),
            input,
            format!("from {start}"),
            Missing::Raise,
            true,
        )
    }

    /// Evaluates the nodes on the shortest path from `from` to `to`, each
    /// receiving the verdict of the one before.
    pub fn evaluate_path(
        self: &Arc<Self>,
        from: &NodeId,
        to: &NodeId,
        input: &Input<'_>,
    ) -> Result<Evaluation, CausalError> {
        let path = self.shortest_path(from, to)?;
        let names: Vec<String> = path
            .iter()
            .map(|&i| self.nodes()[i as usize].id().to_string())
            .collect();
        self.top(
            Mode::Path(path),
            input,
            format!("along the path {}", names.join(" -> ")),
            Missing::Raise,
            true,
        )
    }

    /// Evaluates one node alone on `input`.
    pub fn evaluate_single(
        self: &Arc<Self>,
        node: &NodeId,
        input: &Input<'_>,
    ) -> Result<Evaluation, CausalError> {
        let i = self.index_of(node)?;
        self.top(
            Mode::Path(vec![i]),
            input,
            format!("node {node} alone"),
            Missing::Raise,
            true,
        )
    }

    /// Breadth-first shortest path over edges (children in insertion order).
    pub fn shortest_path(&self, from: &NodeId, to: &NodeId) -> Result<Vec<u32>, CausalError> {
        let a = self.index_of(from)?;
        let b = self.index_of(to)?;
        let mut previous = vec![u32::MAX; self.len()];
        let mut queue = VecDeque::from([a]);
        previous[a as usize] = a;
        while let Some(i) = queue.pop_front() {
            if i == b {
                let mut path = vec![b];
                let mut cur = b;
                while cur != a {
                    cur = previous[cur as usize];
                    path.push(cur);
                }
                path.reverse();
                return Ok(path);
            }
            for &c in &self.children[i as usize] {
                if previous[c as usize] == u32::MAX {
                    previous[c as usize] = i;
                    queue.push_back(c);
                }
            }
        }
        Err(CausalError::NoPath {
            from: from.clone(),
            to: to.clone(),
        })
    }

    fn top(
        self: &Arc<Self>,
        mode: Mode,
        input: &Input<'_>,
        note: String,
        policy: Missing,
        compact: bool,
    ) -> Result<Evaluation, CausalError> {
        self.frozen()?;
        let width = self.columns().len();
        if input.row.len() != width {
            return Err(CausalError::Shape {
                what: "row".into(),
                expected: width,
                found: input.row.len(),
            });
        }
        let row = self.table().expand_row(input.row)?;
        // A row with no NaN costs one pass over its cells here.
        let me = Member::Graph(Arc::clone(self));
        let missing_at = missing::row_missing(&me, Some(&mode), &row);
        if let (None, Mode::Roots, Some(plan), true) =
            (&missing_at, &mode, &self.frozen()?.row_plan, compact)
        {
            // The whole graph of expression causaloids: the compact plan,
            // its trace built only when read. It hands anything the general
            // path would report as an error back to it.
            if let Some(run) = plan.run(self, input.value, &row) {
                let result = run.result;
                let trace = Trace::dense(Arc::clone(plan), run, input.value);
                return Ok(Evaluation::new(
                    me,
                    input.value,
                    row.into_owned(),
                    Ok(result),
                    trace,
                    note,
                ));
            }
        }
        let mut ctx = Ctx::new(self.len());
        if let Some((s, id)) = missing_at {
            if policy == Missing::Raise {
                // An evaluation error: the evaluation carries it, as any other.
                let e = missing::missing_error(&me, s, id, None);
                return Ok(ctx.finish(me, input, row.into_owned(), Err(e), note));
            }
            return Ok(missing::graph_row(
                self,
                mode,
                input,
                row.into_owned(),
                policy,
                note,
            ));
        }
        let scope = ctx.trace.enter(0, 0, input.value);
        let result = self.run_row(mode.clone(), input.value, &row, input.host, scope, &mut ctx);
        if policy != Missing::Raise
            && matches!(
                result,
                Err(CausalError::MissingOutput { .. } | CausalError::MissingInput { .. })
            )
        {
            // A host function returned NaN, or a relay reached a missing
            // input: the row again, deciding it.
            return Ok(missing::graph_row(
                self,
                mode,
                input,
                row.into_owned(),
                policy,
                note,
            ));
        }
        ctx.trace.leave(0, 0, input.value, &result);
        let row = row.into_owned();
        Ok(ctx.finish(me, input, row, result, note))
    }

    /// Runs one row in `mode`, following relays, recording into `scope`.
    pub(crate) fn run_row(
        &self,
        mode: Mode,
        value: Option<Value>,
        row: &[f64],
        host: Option<&HostRow>,
        scope: u32,
        ctx: &mut Ctx,
    ) -> Result<Value, CausalError> {
        let n = self.len();
        // Per node: 0 = not evaluated, 1 = decided a bool, 2 = decided a number.
        let mut done = vec![0u8; n];
        let mut out = vec![0.0f64; n];
        let mut mode = mode;
        let mut value = value;
        let mut relays = 0usize;
        loop {
            match self.run_once(&mode, value, row, host, scope, ctx, &mut done, &mut out)? {
                Run::Finished(v) => return Ok(v),
                Run::Relay(target, v) => {
                    relays += 1;
                    if relays > self.max_relays {
                        return Err(CausalError::RelayLimit {
                            limit: self.max_relays,
                            target,
                        });
                    }
                    let t = self.index_of(&target)?;
                    // The relay's sub-graph may read inputs the check before
                    // the evaluation did not cover: they count the same.
                    if let Some((s, id)) = missing::relay_missing(self, t, row) {
                        return Err(CausalError::MissingInput {
                            column: missing::slot_name(&self.frozen()?.table, s),
                            row: None,
                            id,
                        });
                    }
                    ctx.trace.set_relay_target(t);
                    mode = Mode::From(t);
                    value = Some(v);
                    done.iter_mut().for_each(|d| *d = 0);
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn run_once(
        &self,
        mode: &Mode,
        value: Option<Value>,
        row: &[f64],
        host: Option<&HostRow>,
        scope: u32,
        ctx: &mut Ctx,
        done: &mut [u8],
        out: &mut [f64],
    ) -> Result<Run, CausalError> {
        let fz = self.frozen()?;
        let nodes = self.nodes();
        if let Mode::Path(path) = mode {
            let mut incoming = value;
            let mut reads: Vec<(Kind, f64)> = Vec::new();
            for &i in path {
                let iu = i as usize;
                let step = &fz.plan[fz.step_of[iu] as usize];
                if step.has_reads() {
                    if step.has_reads() {
                        self.gather_reads(iu, step, done, out, &mut reads)?;
                    } else if !reads.is_empty() {
                        reads.clear();
                    }
                } else {
                    reads.clear();
                }
                let r = self.eval_node(i, incoming, row, &reads, host, scope, ctx)?;
                match r {
                    Step::Value(v) => {
                        done[iu] = kind_state(v.kind());
                        out[iu] = v.num();
                        incoming = Some(v);
                    }
                    Step::Relay(t, v) => return Ok(Run::Relay(t, v)),
                }
            }
            let last = path.last().copied().unwrap_or(0);
            ctx.trace.conclude(scope, vec![last]);
            return Ok(Run::Finished(incoming.unwrap_or(Value::Bool(false))));
        }
        let reach = match mode {
            Mode::From(s) => Some(self.reachable(*s)),
            _ => None,
        };
        let mut reads: Vec<(Kind, f64)> = Vec::new();
        for step in &fz.plan {
            let i = step.node;
            let iu = i as usize;
            if reach.as_ref().is_some_and(|r| !r[iu]) {
                continue;
            }
            let parents = &fz.parents[step.parents.0 as usize..step.parents.1 as usize];
            // One parent hands its value on as it is; several are joined as
            // verdicts, which they must then be (when the node reads the join).
            let mut joined: Option<(Kind, f64)> = None;
            let mut evaluated = 0usize;
            for &p in parents {
                let state = done[p as usize];
                if state != 0 {
                    evaluated += 1;
                    let (k, x) = (state_kind(state), out[p as usize]);
                    joined = Some(match joined {
                        Some((jk, jx)) => (jk.both(k), jx.max(x)),
                        None => (k, x),
                    });
                }
            }
            // Bools are always verdicts: only a number among the parents is checked.
            if evaluated > 1 && step.needs_value && joined.is_some_and(|(k, _)| k == Kind::Num) {
                for &p in parents {
                    let state = done[p as usize];
                    if state != 0 {
                        check_verdict(
                            nodes[p as usize].id(),
                            state_kind(state),
                            out[p as usize],
                            None,
                        )?;
                    }
                }
            }
            let incoming = match joined {
                Some((k, x)) => Some(Value::from_raw(k, x)),
                None => value,
            };
            if step.has_reads() {
                self.gather_reads(iu, step, done, out, &mut reads)?;
            } else if !reads.is_empty() {
                reads.clear();
            }
            // Fast path: an expression causaloid compiled to closures. Anything
            // else (errors included) takes the general path below.
            if let (Some(f), false) = (&step.row_fn, step.reads_value && incoming.is_none()) {
                let v = incoming.map_or((Kind::Num, f64::NAN), |v| (v.kind(), v.num()));
                let (k, x) = f.call(row, v, &reads);
                ctx.trace
                    .push(scope, i, incoming, Outcome::Decided(Value::from_raw(k, x)));
                done[iu] = kind_state(k);
                out[iu] = x;
                continue;
            }
            let step_result = self.eval_node(i, incoming, row, &reads, host, scope, ctx)?;
            match step_result {
                Step::Value(v) => {
                    done[iu] = kind_state(v.kind());
                    out[iu] = v.num();
                }
                Step::Relay(t, v) => return Ok(Run::Relay(t, v)),
            }
        }
        let mut sinks = Vec::new();
        if reach.is_none() {
            // From the roots every node was evaluated: the final nodes are
            // those without children.
            for &i in &fz.order {
                if self.children[i as usize].is_empty() {
                    sinks.push(i);
                }
            }
        } else {
            for &i in &fz.order {
                let iu = i as usize;
                if done[iu] != 0 && !self.children[iu].iter().any(|&c| done[c as usize] != 0) {
                    sinks.push(i);
                }
            }
        }
        let result = if let [only] = sinks.as_slice() {
            let o = *only as usize;
            Value::from_raw(state_kind(done[o]), out[o])
        } else {
            // Several final nodes: the graph decides the join of their verdicts.
            let mut joined: Option<(Kind, f64)> = None;
            for &s in &sinks {
                let su = s as usize;
                let v = check_verdict(nodes[su].id(), state_kind(done[su]), out[su], None)?;
                joined = Some(match joined {
                    Some((jk, jx)) => (jk.both(v.kind()), jx.max(v.degree())),
                    None => (v.kind(), v.degree()),
                });
            }
            let (k, x) = joined.unwrap_or((Kind::Bool, 0.0));
            Value::from_raw(k, x)
        };
        ctx.trace.conclude(scope, sinks);
        Ok(Run::Finished(result))
    }

    /// Evaluates node `i` (the general path), recording it in the trace;
    /// `reads` holds the values of the nodes it reads with `node(id)`.
    #[allow(clippy::too_many_arguments)]
    fn eval_node(
        &self,
        i: u32,
        incoming: Option<Value>,
        row: &[f64],
        reads: &[(Kind, f64)],
        host: Option<&HostRow>,
        scope: u32,
        ctx: &mut Ctx,
    ) -> Result<Step, CausalError> {
        let fz = self.frozen()?;
        let iu = i as usize;
        match &self.nodes()[iu] {
            Member::Causaloid(c) if !reads.is_empty() => {
                let r = eval_causaloid_with(
                    c,
                    &fz.links[iu],
                    incoming,
                    row,
                    reads,
                    host,
                    &mut ctx.stack,
                );
                ctx.trace.push(scope, i, incoming, outcome_of(&r));
                r
            }
            m => eval_member(m, &fz.links[iu], incoming, row, host, scope, i, ctx),
        }
    }

    /// The values of the nodes step `iu` reads with `node(id)`, into `reads`.
    fn gather_reads(
        &self,
        iu: usize,
        step: &super::causal_graph::PlanStep,
        done: &[u8],
        out: &[f64],
        reads: &mut Vec<(Kind, f64)>,
    ) -> Result<(), CausalError> {
        reads.clear();
        let fz = self.frozen()?;
        for &t in &fz.node_reads[step.reads.0 as usize..step.reads.1 as usize] {
            let state = done[t as usize];
            if state == 0 {
                return Err(CausalError::NodeRead {
                    id: self.nodes()[iu].id().clone(),
                    target: self.nodes()[t as usize].id().clone(),
                    reason: "was not evaluated (it lies outside the part of the graph evaluated)",
                });
            }
            reads.push((state_kind(state), out[t as usize]));
        }
        Ok(())
    }

    pub(crate) fn reachable(&self, start: u32) -> Vec<bool> {
        let mut seen = vec![false; self.len()];
        let mut stack = vec![start];
        seen[start as usize] = true;
        while let Some(i) = stack.pop() {
            for &c in &self.children[i as usize] {
                if !seen[c as usize] {
                    seen[c as usize] = true;
                    stack.push(c);
                }
            }
        }
        seen
    }
}

#[inline(always)]
fn kind_state(k: Kind) -> u8 {
    match k {
        Kind::Bool => 1,
        Kind::Num => 2,
    }
}

#[inline(always)]
fn state_kind(state: u8) -> Kind {
    if state == 1 {
        Kind::Bool
    } else {
        Kind::Num
    }
}

fn outcome_of(r: &Result<Step, CausalError>) -> Outcome {
    match r {
        Ok(Step::Value(v)) => Outcome::Decided(*v),
        Ok(Step::Relay(_, v)) => Outcome::Relayed {
            target: u32::MAX,
            value: *v,
        },
        Err(_) => Outcome::Failed,
    }
}
