//! The one interface shared by causaloids, collections and graphs, so each can
//! be a member of the others, recursively; and single-row evaluation of it.

use super::causal_graph::CausalGraph;
use super::causaloid::{call_error, check_verdict, Causaloid, Function, HostRow, Output};
use super::collection::Collection;
use super::id::NodeId;
use super::trace::{Evaluation, Outcome, Trace};
use crate::error::CausalError;
use crate::expr::{ColumnTable, Program, Scratch};
use crate::value::{Kind, Value, Verdict};
use std::sync::Arc;

/// The deepest nesting of collections and graphs inside each other (a lone
/// causaloid is 1): deeper structures are refused when built, so no
/// evaluation, serialisation or explanation can exhaust the stack.
pub const MAX_NESTING: usize = 100;

/// A causaloid, a collection or a (frozen) graph.
#[derive(Clone)]
pub enum Member {
    Causaloid(Arc<Causaloid>),
    Collection(Arc<Collection>),
    Graph(Arc<CausalGraph>),
}

/// One row to evaluate: the incoming value and the observation's input
/// columns, aligned with [`Member::columns`]; the engine adds the context reads.
#[derive(Clone, Copy)]
pub struct Input<'a> {
    pub value: Option<Value>,
    pub row: &'a [f64],
    pub host: Option<&'a HostRow>,
}

impl Member {
    /// A graph as a member; it must be frozen.
    pub fn graph(graph: CausalGraph) -> Result<Member, CausalError> {
        if !graph.is_frozen() {
            return Err(CausalError::NotFrozen);
        }
        Ok(Member::Graph(Arc::new(graph)))
    }

    pub fn id(&self) -> &NodeId {
        match self {
            Member::Causaloid(c) => c.id(),
            Member::Collection(c) => c.id(),
            Member::Graph(g) => g.id(),
        }
    }

    pub fn description(&self) -> &str {
        match self {
            Member::Causaloid(c) => c.description(),
            Member::Collection(c) => c.description(),
            Member::Graph(g) => g.description(),
        }
    }

    /// "causaloid", "collection" or "graph".
    pub fn kind_name(&self) -> &'static str {
        match self {
            Member::Causaloid(_) => "causaloid",
            Member::Collection(_) => "collection",
            Member::Graph(_) => "graph",
        }
    }

    pub(crate) fn table(&self) -> &ColumnTable {
        match self {
            Member::Causaloid(c) => c.table(),
            Member::Collection(c) => &c.table,
            Member::Graph(g) => g.table(),
        }
    }

    /// The columns an observation must have, in the order [`Input::row`] uses.
    pub fn columns(&self) -> &[String] {
        self.table().names()
    }

    /// The same structure also holding `contexts` (replacing any of the same
    /// name), for its context reads: a model's contexts, chosen by name.
    pub fn with_contexts(&self, contexts: &[Arc<crate::context::SharedContext>]) -> Member {
        match self {
            Member::Causaloid(c) => {
                let mut c = (**c).clone();
                for x in contexts {
                    c.table_mut().hold_context(x);
                }
                Member::Causaloid(Arc::new(c))
            }
            Member::Collection(c) => {
                let mut c = (**c).clone();
                for x in contexts {
                    c.table.hold_context(x);
                }
                Member::Collection(Arc::new(c))
            }
            Member::Graph(g) => {
                let mut g = (**g).clone();
                if let Some(f) = g.frozen.as_mut() {
                    for x in contexts {
                        f.table.hold_context(x);
                    }
                }
                Member::Graph(Arc::new(g))
            }
        }
    }

    /// The row layout: input columns and context reads, and the contexts held.
    pub fn layout(&self) -> &ColumnTable {
        self.table()
    }

    /// Whether any causaloid inside calls back into the host language.
    pub fn has_callables(&self) -> bool {
        match self {
            Member::Causaloid(c) => matches!(c.function(), Function::Callable(_)),
            Member::Collection(c) => c.members.iter().any(Member::has_callables),
            Member::Graph(g) => g.has_callables(),
        }
    }

    /// Levels of nesting: 1 for a causaloid, one more than its deepest member
    /// for a collection or a graph.
    pub fn depth(&self) -> usize {
        match self {
            Member::Causaloid(_) => 1,
            Member::Collection(c) => c.depth,
            Member::Graph(g) => g.depth,
        }
    }

    /// Refuses to nest `self` inside another structure past [`MAX_NESTING`].
    pub(crate) fn check_nesting(&self) -> Result<(), CausalError> {
        if self.depth() + 1 > MAX_NESTING {
            return Err(CausalError::TooDeep {
                what: "structure (collections and graphs nested)",
                depth: self.depth() + 1,
                limit: MAX_NESTING,
            });
        }
        Ok(())
    }

    /// Refuses to nest a stateful graph inside another structure (a graph
    /// node, a collection member). Nested, a graph is evaluated one row at a
    /// time as part of its parent: rows of a batch run in parallel, a node
    /// outside `evaluate_from`'s sub-graph is skipped, a relay may evaluate it
    /// twice in one row and a collection may stop before it, so there is no
    /// single "previous row" whose writer's value it could carry. A stateful
    /// graph carries its state at the top of a sequence (`evaluate_sequence`,
    /// a model's batch) or as a state machine's state.
    pub(crate) fn check_stateless(&self) -> Result<(), CausalError> {
        if let Member::Graph(g) = self {
            if let Some(s) = g.states().first() {
                return Err(CausalError::State {
                    name: s.name.clone(),
                    message: format!(
                        "is declared by graph {}, which cannot be nested in another structure: \
                         nested, it is evaluated as one step of its parent's row (in parallel \
                         in a batch, skipped outside a sub-graph, repeated by a relay, cut short \
                         by a collection), so no previous row exists for its writer to carry the \
                         state from; evaluate it at the top of a sequence (evaluate_sequence, a \
                         model's batch) or as a state machine's state, or move its nodes and \
                         state into the outer graph",
                        g.id()
                    ),
                });
            }
        }
        Ok(())
    }

    /// Number of causaloids inside, counting nested ones.
    pub fn size(&self) -> usize {
        match self {
            Member::Causaloid(_) => 1,
            Member::Collection(c) => c.members.iter().map(Member::size).sum(),
            Member::Graph(g) => g.nodes().iter().map(Member::size).sum(),
        }
    }

    /// Evaluates one row; the result holds the value (or the error) and the
    /// trace. A missing input raises (see [`Member::evaluate_with`]).
    pub fn evaluate(&self, input: &Input<'_>) -> Evaluation {
        self.evaluate_with(input, super::missing::Missing::Raise)
    }

    /// Evaluates one row, deciding missing inputs by `missing` (see `missing.rs`).
    pub fn evaluate_with(&self, input: &Input<'_>, missing: super::missing::Missing) -> Evaluation {
        use super::missing::{self as m, Missing};
        let mut ctx = Ctx::new(self.size());
        let row = match self.table().expand_row(input.row) {
            Ok(row) => row,
            Err(e) => {
                return ctx.finish(
                    self.clone(),
                    input,
                    input.row.to_vec(),
                    Err(e),
                    String::new(),
                )
            }
        };
        if let Some((s, id)) = m::row_missing(self, None, &row) {
            if missing == Missing::Raise {
                let e = m::missing_error(self, s, id, None);
                return ctx.finish(self.clone(), input, row.into_owned(), Err(e), String::new());
            }
            return m::member_row(self, input, row.into_owned(), missing);
        }
        let link = Link::identity(self);
        let result = eval_member(self, &link, input.value, &row, input.host, 0, 0, &mut ctx)
            .and_then(|step| match step {
                Step::Value(v) => Ok(v),
                Step::Relay(..) => Err(CausalError::RelayNotAllowed {
                    id: self.id().clone(),
                    reason: "has no graph around it to relay within",
                }),
            });
        if missing != Missing::Raise && matches!(result, Err(CausalError::MissingOutput { .. })) {
            // A host function returned NaN: the row again, deciding it.
            return m::member_row(self, input, row.into_owned(), missing);
        }
        let row = row.into_owned();
        ctx.finish(self.clone(), input, row, result, String::new())
    }
}

/// How a parent structure reads one of its members: an expression causaloid's
/// program renumbered into the parent's columns, or, for nested structures, the
/// map from the member's column slots to the parent's.
#[derive(Clone, Debug)]
pub(crate) struct Link {
    pub program: Option<Program>,
    pub map: Vec<u32>,
}

impl Link {
    /// Lays `member` into its parent's row, taking in its contexts.
    pub fn new(member: &Member, parent: &mut ColumnTable) -> Result<Link, CausalError> {
        let map = parent.absorb(member.table())?;
        let program = match member {
            Member::Causaloid(c) => c.program().map(|p| p.relink(&map)),
            _ => None,
        };
        Ok(Link { program, map })
    }

    pub fn identity(member: &Member) -> Link {
        let map = (0..member.table().len() as u32).collect();
        let program = match member {
            Member::Causaloid(c) => c.program().cloned(),
            _ => None,
        };
        Link { program, map }
    }

    /// The member's row, gathered from the parent's.
    pub fn gather(&self, row: &[f64]) -> Vec<f64> {
        self.map
            .iter()
            .map(|&s| row.get(s as usize).copied().unwrap_or(f64::NAN))
            .collect()
    }
}

/// What evaluating a member yields: a value, or a relay to another node.
pub(crate) enum Step {
    Value(Value),
    Relay(NodeId, Value),
}

/// Evaluation state threaded through nested structures: the trace and scratch.
pub(crate) struct Ctx {
    pub trace: Trace,
    pub stack: Scratch,
}

impl Ctx {
    pub fn new(size_hint: usize) -> Ctx {
        Ctx {
            trace: Trace::with_capacity(size_hint + 2),
            stack: Vec::with_capacity(16),
        }
    }

    /// `row` is the full row the evaluation read (inputs and context reads).
    pub fn finish(
        self,
        top: Member,
        input: &Input<'_>,
        row: Vec<f64>,
        result: Result<Value, CausalError>,
        note: String,
    ) -> Evaluation {
        Evaluation::new(top, input.value, row, result, self.trace, note)
    }
}

/// Evaluates `member` (number `idx` of the structure in `scope`) on one row of
/// its parent's columns, recording it in the trace.
#[allow(clippy::too_many_arguments)]
pub(crate) fn eval_member(
    member: &Member,
    link: &Link,
    value: Option<Value>,
    row: &[f64],
    host: Option<&HostRow>,
    scope: u32,
    idx: u32,
    ctx: &mut Ctx,
) -> Result<Step, CausalError> {
    match member {
        Member::Causaloid(c) => {
            let step = eval_causaloid(c, link, value, row, host, &mut ctx.stack);
            let outcome = match &step {
                Ok(Step::Value(v)) => Outcome::Decided(*v),
                Ok(Step::Relay(_, v)) => Outcome::Relayed {
                    target: u32::MAX,
                    value: *v,
                },
                Err(_) => Outcome::Failed,
            };
            ctx.trace.push(scope, idx, value, outcome);
            step
        }
        Member::Collection(coll) => {
            let inner = ctx.trace.enter(scope, idx, value);
            let sub = link.gather(row);
            let result =
                eval_collection(coll, value, &sub, host, inner, ctx).map(Verdict::to_value);
            ctx.trace.leave(scope, idx, value, &result);
            result.map(Step::Value)
        }
        Member::Graph(g) => {
            let inner = ctx.trace.enter(scope, idx, value);
            let sub = link.gather(row);
            let result = g.run_row(super::evaluate::Mode::Roots, value, &sub, host, inner, ctx);
            ctx.trace.leave(scope, idx, value, &result);
            result.map(Step::Value)
        }
    }
}

#[inline]
fn eval_causaloid(
    c: &Causaloid,
    link: &Link,
    value: Option<Value>,
    row: &[f64],
    host: Option<&HostRow>,
    stack: &mut Scratch,
) -> Result<Step, CausalError> {
    eval_causaloid_with(c, link, value, row, &[], host, stack)
}

/// Evaluates a causaloid given the values of the nodes its expression reads
/// (in the order of its program's node reads).
#[inline]
pub(crate) fn eval_causaloid_with(
    c: &Causaloid,
    link: &Link,
    value: Option<Value>,
    row: &[f64],
    nodes: &[(Kind, f64)],
    host: Option<&HostRow>,
    stack: &mut Scratch,
) -> Result<Step, CausalError> {
    match (c.function(), &link.program) {
        (Function::Expr { .. }, Some(program)) => {
            if program.reads_value() && value.is_none() {
                return Err(CausalError::MissingValue { id: c.id().clone() });
            }
            if let Some(target) = program.nodes().get(nodes.len()) {
                return Err(CausalError::NodeRead {
                    id: c.id().clone(),
                    target: target.clone(),
                    reason:
                        "is not a parent of it in a graph (node reads need a graph around them)",
                });
            }
            let v = value.map_or((Kind::Num, f64::NAN), |v| (v.kind(), v.num()));
            let (kind, x) = program.eval(row, v, nodes, stack);
            Ok(Step::Value(Value::from_raw(kind, x)))
        }
        (Function::Callable(f), _) => match f.call(value, host) {
            // NaN is a missing value: raised here, decided by a `missing=`
            // policy in `missing.rs`.
            Ok(Output::Value(v)) if v.num().is_nan() => Err(CausalError::MissingOutput {
                id: c.id().clone(),
                row: None,
            }),
            Ok(Output::Value(v)) => Ok(Step::Value(v)),
            Ok(Output::Relay(target, v)) => Ok(Step::Relay(target, v)),
            Err(e) => Err(call_error(c.id(), e, None)),
        },
        (Function::Expr { .. }, None) => Err(CausalError::InvalidArgument {
            name: "causaloid",
            message: format!("causaloid {} has no compiled program", c.id()),
        }),
    }
}

fn eval_collection(
    coll: &Collection,
    value: Option<Value>,
    row: &[f64],
    host: Option<&HostRow>,
    scope: u32,
    ctx: &mut Ctx,
) -> Result<Verdict, CausalError> {
    let mut values = Vec::with_capacity(coll.members.len());
    for (i, (m, link)) in coll.members.iter().zip(&coll.links).enumerate() {
        match eval_member(m, link, value, row, host, scope, i as u32, ctx)? {
            Step::Value(v) => {
                let v = check_verdict(m.id(), v.kind(), v.num(), None)?;
                values.push((v.kind(), v.degree()))
            }
            Step::Relay(..) => {
                return Err(CausalError::RelayNotAllowed {
                    id: m.id().clone(),
                    reason: "is not allowed inside a collection (relays continue within a graph)",
                })
            }
        }
    }
    let (kind, x) = coll.logic.aggregate(&values, &mut Vec::new());
    check_verdict(&coll.id, kind, x, None)
}
