//! Evaluation on uncertain inputs, through the same compiled programs as any
//! batch: each uncertain input is drawn as a column of seeded samples, the
//! structure runs over those columns, and where a causaloid decides a bool the
//! sequential probability ratio test turns its samples into one verdict,
//! which is what the rest of the structure sees. Numbers stay samples until
//! the end, where the result is their mean. Point masses give exactly the
//! certain result.

use super::batch::{block_member, Decider};
use super::causal_graph::CausalGraph;
use super::causaloid::HostRow;
use super::id::NodeId;
use super::member::{Ctx, Input, Link, Member};
use super::missing::Missing;
use super::trace::{Evaluation, Outcome};
use crate::error::CausalError;
use crate::expr::BlockScratch;
use crate::uncertain::{SprtParams, Uncertain};
use crate::value::{Kind, Value};
use std::sync::Arc;

/// The most samples one evaluation draws of each uncertain input.
pub const MAX_SAMPLES: usize = 10_000_000;

/// One input cell: a plain value or an uncertain one.
#[derive(Clone, Debug)]
pub enum Sampled {
    Certain(Value),
    Uncertain(Uncertain),
}

/// One observation with uncertain cells, aligned with [`Member::columns`].
pub struct SampledInput<'a> {
    pub value: Option<Sampled>,
    pub row: Vec<Sampled>,
    pub host: Option<&'a HostRow>,
    /// The sampling seed: the same seed decides the same way in every run.
    pub seed: u64,
    /// Samples drawn of each uncertain input (and the most any test reads).
    pub samples: usize,
}

/// Which part of a graph to evaluate.
#[derive(Clone, Debug)]
pub enum SampledMode {
    Roots,
    From(NodeId),
    Path(NodeId, NodeId),
    Single(NodeId),
}

type Column = (Kind, Vec<f64>);

/// Sample columns of every cell (the incoming value first, then the row):
/// certain cells as constant columns, uncertain ones drawn jointly, so an
/// `Uncertain` given for two inputs (or two values built on one) is one
/// random variable in both, and values that share nothing are independent.
fn draw_all(cells: &[&Sampled], n: usize, seed: u64) -> Result<Vec<Column>, CausalError> {
    let uncertain: Vec<Uncertain> = cells
        .iter()
        .filter_map(|c| match c {
            Sampled::Uncertain(u) => Some(u.clone()),
            Sampled::Certain(_) => None,
        })
        .collect();
    let mut drawn = crate::uncertain::sample_joint(&uncertain, n, seed)
        .map_err(|e| CausalError::InvalidArgument {
            name: "uncertain input",
            message: e.to_string(),
        })?
        .into_iter();
    cells
        .iter()
        .map(|c| match c {
            Sampled::Certain(v) => Ok((v.kind(), vec![v.num(); n])),
            Sampled::Uncertain(u) => {
                drawn
                    .next()
                    .map(|xs| (u.kind(), xs))
                    .ok_or_else(|| CausalError::InvalidArgument {
                        name: "uncertain input",
                        message: "a sample column is missing".into(),
                    })
            }
        })
        .collect()
}

fn constant(xs: &[f64]) -> Option<f64> {
    let first = *xs.first()?;
    xs.iter()
        .all(|&x| x.to_bits() == first.to_bits())
        .then_some(first)
}

/// A sample column as one value: itself when constant, else the mean.
fn summarise(kind: Kind, xs: &[f64]) -> Value {
    match constant(xs) {
        Some(x) => Value::from_raw(kind, x),
        None => Value::Num(xs.iter().sum::<f64>() / xs.len().max(1) as f64),
    }
}

impl Member {
    /// Evaluates one observation whose cells may be uncertain.
    pub fn evaluate_sampled(
        &self,
        input: &SampledInput<'_>,
        mode: &SampledMode,
    ) -> Result<Evaluation, CausalError> {
        self.evaluate_sampled_with(input, mode, Missing::Raise)
    }

    /// [`Member::evaluate_sampled`] deciding a missing input by `missing`
    /// as certain inputs do: `Raise` raises, `False` / `True` make the
    /// causaloid that reads it decide false / true (on every sample where it
    /// is missing: a missing certain cell is missing in all of them).
    /// `Propagate` (three-valued logic over samples) is refused when an input
    /// is missing.
    pub fn evaluate_sampled_with(
        &self,
        input: &SampledInput<'_>,
        mode: &SampledMode,
        missing: Missing,
    ) -> Result<Evaluation, CausalError> {
        if let Member::Graph(g) = self {
            g.frozen()?;
        } else if !matches!(mode, SampledMode::Roots) {
            return Err(CausalError::InvalidArgument {
                name: "mode",
                message: "only a graph evaluates from a node or along a path".into(),
            });
        }
        let n = input.samples;
        if n == 0 || n > MAX_SAMPLES {
            return Err(CausalError::InvalidArgument {
                name: "samples",
                message: format!("{n} is not between 1 and {MAX_SAMPLES}"),
            });
        }
        let table = self.table();
        if input.row.len() != table.names().len() {
            return Err(CausalError::Shape {
                what: "row".into(),
                expected: table.names().len(),
                found: input.row.len(),
            });
        }
        let cells: Vec<&Sampled> = input.value.iter().chain(&input.row).collect();
        let mut inputs: Vec<Column> = draw_all(&cells, n, input.seed)?;
        let value = if input.value.is_some() && !inputs.is_empty() {
            Some(inputs.remove(0))
        } else {
            None
        };
        let mut full: Vec<&[f64]> = vec![&[]; table.len()];
        for (&s, (_, c)) in table.input_slots().iter().zip(&inputs) {
            full[s as usize] = c;
        }
        let reads = table.read_columns_sampled(&full, n, input.seed)?;
        for (s, c) in &reads {
            full[*s as usize] = c;
        }
        // A missing certain cell (or read): decided by the policy.
        if let Some((s, id)) = super::missing::sampled_missing(self, mode, &full)? {
            match missing {
                Missing::Raise => return Err(super::missing::missing_error(self, s, id, None)),
                Missing::Propagate => {
                    return Err(CausalError::InvalidArgument {
                        name: "missing",
                        message: format!(
                            "{:?} read by {id} is missing and the inputs are uncertain: \
                             missing=\"propagate\" is not decided on samples; use \
                             missing=\"false\" or \"true\", or a certain input",
                            super::missing::slot_name(table, s)
                        ),
                    })
                }
                Missing::False | Missing::True => {}
            }
        }
        let mut decider = Some(Decider {
            default: SprtParams {
                max_samples: n,
                ..SprtParams::default()
            },
            seed: input.seed,
            decisions: Vec::new(),
        });
        let value_arg = value.as_ref().map(|(k, v)| (*k, v.as_slice()));
        let mut scratch = BlockScratch::default();
        // False / True also decide a host function's NaN samples; under
        // Propagate they raise (no sample row is decided again).
        if matches!(missing, Missing::False | Missing::True) {
            scratch.missing = missing;
        }
        let mut kept: Vec<Column> = Vec::new();
        let mut evaluated: Vec<u32> = Vec::new();
        let mut sinks: Vec<u32> = Vec::new();
        let result = match (self, mode) {
            (Member::Graph(g), SampledMode::Path(..) | SampledMode::Single(_)) => {
                let path = match mode {
                    SampledMode::Path(a, b) => g.shortest_path(a, b)?,
                    SampledMode::Single(s) => vec![g.index_of(s)?],
                    _ => Vec::new(),
                };
                let fz = g.frozen()?;
                kept = vec![(Kind::Bool, Vec::new()); g.len()];
                let mut done = vec![false; g.len()];
                let mut incoming: Option<Column> = value.clone();
                for &i in &path {
                    let iu = i as usize;
                    let arg = incoming.as_ref().map(|(k, v)| (*k, v.as_slice()));
                    // Node reads see the nodes evaluated before this one on the path.
                    let step = &fz.plan[fz.step_of[iu] as usize];
                    let mut reads: Vec<(Kind, &[f64])> = Vec::new();
                    for &t in &fz.node_reads[step.reads.0 as usize..step.reads.1 as usize] {
                        if !done[t as usize] {
                            return Err(CausalError::NodeRead {
                                id: g.nodes()[iu].id().clone(),
                                target: g.nodes()[t as usize].id().clone(),
                                reason: "was not evaluated (it lies outside the part of the graph evaluated)",
                            });
                        }
                        let (k, x) = &kept[t as usize];
                        reads.push((*k, x.as_slice()));
                    }
                    let out = block_member(
                        &g.nodes()[iu],
                        &fz.links[iu],
                        &full,
                        arg,
                        &reads,
                        n,
                        0,
                        input.host,
                        &mut scratch,
                        None,
                        &mut decider,
                    )?;
                    kept[iu] = out.clone();
                    done[iu] = true;
                    incoming = Some(out);
                }
                evaluated = path.clone();
                sinks = path.last().copied().into_iter().collect();
                Ok(incoming.unwrap_or((Kind::Bool, vec![0.0; n])))
            }
            (Member::Graph(g), _) => {
                let reach = match mode {
                    SampledMode::From(s) => {
                        let i = g.index_of(s)?;
                        Some((g.reachable(i), i))
                    }
                    _ => None,
                };
                let r = g.block_roots(
                    &full,
                    value_arg,
                    n,
                    0,
                    input.host,
                    &mut scratch,
                    Some(&mut kept),
                    &mut decider,
                    reach.as_ref().map(|(r, s)| (r.as_slice(), *s)),
                );
                for i in 0..g.len() as u32 {
                    let on = reach.as_ref().is_none_or(|(r, _)| r[i as usize]);
                    if on {
                        evaluated.push(i);
                        let sink = !g.children[i as usize]
                            .iter()
                            .any(|&c| reach.as_ref().is_none_or(|(r, _)| r[c as usize]));
                        if sink {
                            sinks.push(i);
                        }
                    }
                }
                r
            }
            (m, _) => {
                let link = Link::identity(m);
                let r = block_member(
                    m,
                    &link,
                    &full,
                    value_arg,
                    &[],
                    n,
                    0,
                    input.host,
                    &mut scratch,
                    Some(&mut kept),
                    &mut decider,
                );
                if let Member::Collection(c) = m {
                    evaluated = (0..c.members().len() as u32).collect();
                }
                r
            }
        };
        // Where the result is a bool that no causaloid decided (a callable's
        // samples, say), the test decides it too.
        let decisions = decider.map(|d| d.decisions).unwrap_or_default();
        let mut decisions = decisions;
        let result = result.and_then(|(k, xs): Column| {
            if k == Kind::Bool && constant(&xs).is_none() {
                let params = SprtParams {
                    max_samples: n,
                    ..SprtParams::default()
                };
                let d = crate::uncertain::decide_samples(&xs, params, input.seed).map_err(|e| {
                    CausalError::InvalidArgument {
                        name: "decide",
                        message: e.to_string(),
                    }
                })?;
                let v = Value::Bool(d.outcome);
                decisions.push((self.id().clone(), d));
                Ok(v)
            } else {
                Ok(summarise(k, &xs))
            }
        });
        // The trace: the structure and each of its members with what they decided.
        let mut ctx = Ctx::new(evaluated.len() + 2);
        let certain_value = match &input.value {
            Some(Sampled::Certain(v)) => Some(*v),
            _ => None,
        };
        match self {
            Member::Causaloid(_) => {
                let outcome = match &result {
                    Ok(v) => Outcome::Decided(*v),
                    Err(_) => Outcome::Failed,
                };
                ctx.trace.push(0, 0, certain_value, outcome);
            }
            _ => {
                let scope = ctx.trace.enter(0, 0, certain_value);
                for &i in &evaluated {
                    if let Some((k, xs)) = kept.get(i as usize) {
                        if !xs.is_empty() {
                            ctx.trace
                                .push(scope, i, None, Outcome::Decided(summarise(*k, xs)));
                        }
                    }
                }
                if matches!(self, Member::Graph(_)) {
                    ctx.trace.conclude(scope, sinks);
                }
                ctx.trace.leave(0, 0, certain_value, &result);
            }
        }
        let mut notes = Vec::new();
        for (name, cell) in table.names().iter().zip(&input.row) {
            if let Sampled::Uncertain(u) = cell {
                notes.push(format!("  {name} ~ {}", u.describe()));
            }
        }
        if let Some(Sampled::Uncertain(u)) = &input.value {
            notes.push(format!("  value ~ {}", u.describe()));
        }
        if !notes.is_empty() {
            notes.insert(
                0,
                format!(
                    "Uncertain inputs ({n} seeded samples each, seed {}):",
                    input.seed
                ),
            );
        }
        let row: Vec<f64> = (0..table.len())
            .map(|s| {
                full.get(s)
                    .map_or(f64::NAN, |c| summarise(Kind::Num, c).num())
            })
            .collect();
        let plain = Input {
            value: certain_value,
            row: &[],
            host: None,
        };
        Ok(ctx
            .finish(self.clone(), &plain, row, result, String::new())
            .with_uncertainty(notes, decisions))
    }
}

/// The sampling seed of a batch whose structure reads an uncertain data
/// contextoid, unless the caller gives one (the seed a single evaluation uses
/// by default, so row `i` equals evaluating row `i` alone).
pub const DEFAULT_BATCH_SEED: u64 = 0;

/// One row of a sampled batch: its value and each top-level member's value.
type SampledRow = (Value, Vec<Option<Value>>);

impl Member {
    /// Whether a context read of this structure is the value of an uncertain
    /// data contextoid (its evaluations then go through the sampled path).
    pub fn reads_uncertain_context(&self) -> Result<bool, CausalError> {
        self.layout().reads_uncertain()
    }

    /// A batch on the sampled path, row by row: row `i` is
    /// [`Member::evaluate_sampled`] of row `i` with the same `seed` and
    /// `samples`, so it equals evaluating that row alone. Rows run in
    /// parallel; the first failing row's error is returned.
    pub fn evaluate_batch_sampled(
        &self,
        input: &super::BatchInput<'_>,
        activations: bool,
        seed: u64,
        samples: usize,
    ) -> Result<super::BatchOutput, CausalError> {
        self.evaluate_batch_sampled_with(input, activations, seed, samples, Missing::Raise)
    }

    /// [`Member::evaluate_batch_sampled`], each row under `missing` (see
    /// [`Member::evaluate_sampled_with`]); a missing input's error names its row.
    pub fn evaluate_batch_sampled_with(
        &self,
        input: &super::BatchInput<'_>,
        activations: bool,
        seed: u64,
        samples: usize,
        missing: Missing,
    ) -> Result<super::BatchOutput, CausalError> {
        use rayon::prelude::*;
        if self.has_callables() {
            return Err(CausalError::InvalidArgument {
                name: "table",
                message: format!(
                    "{} {} reads an uncertain data contextoid and calls host functions: its rows \
                     are sampled one at a time, which a batch of host calls cannot do; evaluate \
                     the rows one by one",
                    self.kind_name(),
                    self.id()
                ),
            });
        }
        if let Member::Graph(g) = self {
            g.frozen()?;
        }
        let width = self.table().names().len();
        if input.columns.len() != width {
            return Err(CausalError::Shape {
                what: "columns".into(),
                expected: width,
                found: input.columns.len(),
            });
        }
        for c in &input.columns {
            if c.len() != input.len {
                return Err(CausalError::Shape {
                    what: "column".into(),
                    expected: input.len,
                    found: c.len(),
                });
            }
        }
        if let Some((_, v)) = input.value {
            if v.len() != input.len {
                return Err(CausalError::Shape {
                    what: "value".into(),
                    expected: input.len,
                    found: v.len(),
                });
            }
        }
        let children: Vec<NodeId> = if activations {
            self.children().iter().map(|m| m.id().clone()).collect()
        } else {
            Vec::new()
        };
        let run = |r: usize| -> Result<SampledRow, CausalError> {
            let row = SampledInput {
                value: input
                    .value
                    .map(|(k, v)| Sampled::Certain(Value::from_raw(k, v[r]))),
                row: input
                    .columns
                    .iter()
                    .map(|c| Sampled::Certain(Value::Num(c[r])))
                    .collect(),
                host: None,
                seed,
                samples,
            };
            let e = self
                .evaluate_sampled_with(&row, &SampledMode::Roots, missing)
                .map_err(|e| match e {
                    CausalError::MissingInput { column, id, .. } => CausalError::MissingInput {
                        column,
                        id,
                        row: Some(r),
                    },
                    other => other,
                })?;
            let v = match e.result() {
                Ok(v) => v,
                Err(CausalError::InvalidVerdict { id, found, .. }) => {
                    return Err(CausalError::InvalidVerdict {
                        id: id.clone(),
                        found: found.clone(),
                        row: Some(r),
                    })
                }
                Err(err) => return Err(err.clone()),
            };
            let acts = if activations {
                let top = if matches!(self, Member::Causaloid(_)) {
                    0
                } else {
                    1
                };
                (0..children.len() as u32)
                    .map(|i| {
                        e.trace()
                            .decoded()
                            .filter(|d| d.scope == top && d.member == i)
                            .filter_map(|d| match d.outcome {
                                Outcome::Decided(v) => Some(v),
                                _ => None,
                            })
                            .last()
                    })
                    .collect()
            } else {
                Vec::new()
            };
            Ok((v, acts))
        };
        let rows: Vec<Result<SampledRow, CausalError>> =
            (0..input.len).into_par_iter().map(run).collect();
        let mut verdicts = Vec::new();
        verdicts
            .try_reserve_exact(input.len)
            .map_err(|_| CausalError::InvalidArgument {
                name: "rows",
                message: format!("cannot allocate {} verdicts", input.len),
            })?;
        let mut kind = if input.len == 0 {
            self.empty_kind()
        } else {
            Kind::Bool
        };
        let mut acts: Vec<(NodeId, Kind, Vec<f64>)> = children
            .into_iter()
            .map(|id| (id, Kind::Bool, Vec::with_capacity(input.len)))
            .collect();
        for (r, row) in rows.into_iter().enumerate() {
            let (v, nodes) = row?;
            kind = if r == 0 {
                v.kind()
            } else {
                kind.both(v.kind())
            };
            verdicts.push(v.num());
            for (a, n) in acts.iter_mut().zip(nodes) {
                match n {
                    Some(x) => {
                        a.1 = if a.2.is_empty() {
                            x.kind()
                        } else {
                            a.1.both(x.kind())
                        };
                        a.2.push(x.num());
                    }
                    None => a.2.push(f64::NAN),
                }
            }
        }
        Ok(super::BatchOutput {
            kind,
            verdicts,
            activations: acts,
            unknown: Vec::new(),
        })
    }
}

impl CausalGraph {
    /// [`Member::evaluate_sampled`] for a frozen graph.
    pub fn evaluate_sampled(
        self: &Arc<Self>,
        input: &SampledInput<'_>,
        mode: &SampledMode,
    ) -> Result<Evaluation, CausalError> {
        Member::Graph(Arc::clone(self)).evaluate_sampled(input, mode)
    }

    /// [`Member::evaluate_sampled_with`] for a frozen graph.
    pub fn evaluate_sampled_with(
        self: &Arc<Self>,
        input: &SampledInput<'_>,
        mode: &SampledMode,
        missing: Missing,
    ) -> Result<Evaluation, CausalError> {
        Member::Graph(Arc::clone(self)).evaluate_sampled_with(input, mode, missing)
    }
}
