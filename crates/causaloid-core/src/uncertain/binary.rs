//! The compact binary forms of a sequential [`Decision`] and of an
//! [`Uncertain`] value's lazy graph (what a pickle carries).

use super::error::UncertainError;
use super::node::{BinaryOp, BlockFunction, Part, UnaryOp, Uncertain};
use super::sprt::{Decision, SprtParams, StopReason};
use crate::codec::{CodecError, Reader, Writer};
use crate::Kind;
use std::collections::HashMap;
use std::sync::Arc;

const MAGIC: [u8; 4] = *b"CLSD";
const VERSION: u16 = 1;
const REASONS: [StopReason; 3] = [
    StopReason::AcceptedAbove,
    StopReason::AcceptedBelow,
    StopReason::MaxSamples,
];

impl Decision {
    /// The compact binary form: every field, bit-exact.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new(MAGIC, VERSION);
        w.bool(self.outcome);
        w.f64(self.params.threshold);
        w.f64(self.params.confidence);
        w.f64(self.params.epsilon);
        w.u64(self.params.max_samples as u64);
        w.u64(self.samples as u64);
        w.u64(self.successes as u64);
        w.f64(self.log_ratio);
        w.f64(self.upper_bound);
        w.f64(self.lower_bound);
        w.u8(REASONS.iter().position(|r| *r == self.reason).unwrap_or(2) as u8);
        w.u64(self.seed);
        w.into_bytes()
    }

    /// Reads [`Decision::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Decision, CodecError> {
        let (mut r, _) = Reader::open(bytes, MAGIC, VERSION)?;
        let size = |v: u64, what: &'static str| {
            usize::try_from(v).map_err(|_| CodecError::Invalid {
                what,
                detail: format!("{v} does not fit this machine"),
            })
        };
        let outcome = r.bool("outcome")?;
        let params = SprtParams {
            threshold: r.f64("threshold")?,
            confidence: r.f64("confidence")?,
            epsilon: r.f64("epsilon")?,
            max_samples: size(r.u64("max_samples")?, "max_samples")?,
        };
        let samples = size(r.u64("samples")?, "samples")?;
        let successes = size(r.u64("successes")?, "successes")?;
        let log_ratio = r.f64("log_ratio")?;
        let upper_bound = r.f64("upper_bound")?;
        let lower_bound = r.f64("lower_bound")?;
        let k = r.u8("reason")?;
        let reason = *REASONS.get(k as usize).ok_or(CodecError::Invalid {
            what: "stop reason",
            detail: format!("index {k}"),
        })?;
        let seed = r.u64("seed")?;
        r.finish()?;
        Ok(Decision {
            outcome,
            params,
            samples,
            successes,
            log_ratio,
            upper_bound,
            lower_bound,
            reason,
            seed,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decision_round_trips_bit_exact() {
        let d = Decision {
            outcome: true,
            params: SprtParams {
                threshold: 0.5,
                confidence: 0.95,
                epsilon: 0.05,
                max_samples: 10_000,
            },
            samples: 120,
            successes: 90,
            log_ratio: 3.2,
            upper_bound: 2.9,
            lower_bound: -2.9,
            reason: StopReason::AcceptedAbove,
            seed: 42,
        };
        let bytes = d.to_bytes();
        assert_eq!(Decision::from_bytes(&bytes).unwrap(), d);
        assert!(Decision::from_bytes(&bytes[..bytes.len() - 1]).is_err());
    }
}

// ---- the lazy graph ------------------------------------------------------------

const GRAPH_MAGIC: [u8; 4] = *b"CLUG";
const GRAPH_VERSION: u16 = 1;

/// Node tags of the graph form; the order is part of the format.
const TAGS: [&str; 11] = [
    "point",
    "normal",
    "uniform",
    "bernoulli",
    "empirical",
    "mixture",
    "unary",
    "binary",
    "between",
    "select",
    "map",
];

fn tag(name: &str) -> u8 {
    TAGS.iter().position(|t| *t == name).unwrap_or(0) as u8
}

fn invalid(what: &'static str, detail: impl ToString) -> CodecError {
    CodecError::Invalid {
        what,
        detail: detail.to_string(),
    }
}

impl Uncertain {
    /// The graph under this value in the engine's binary form: every distinct
    /// node once (operands first), so a node used twice stays one random
    /// variable. Host functions of `map` nodes cannot be encoded by the
    /// engine; they are returned aside, in order, and referred to by index.
    pub fn to_bytes(&self) -> (Vec<u8>, Vec<Arc<dyn BlockFunction>>) {
        let nodes = self.post_order();
        let index: HashMap<usize, u32> = nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.id(), i as u32))
            .collect();
        let mut functions = Vec::new();
        let mut w = Writer::new(GRAPH_MAGIC, GRAPH_VERSION);
        w.len(nodes.len());
        for node in &nodes {
            let operands: Vec<u32> = node
                .operands()
                .iter()
                .map(|o| index.get(&o.id()).copied().unwrap_or(0))
                .collect();
            w.bool(node.kind() == Kind::Bool);
            match node.part() {
                Part::Point(v) => {
                    w.u8(tag("point"));
                    w.f64(v);
                }
                Part::Normal { mean, std } => {
                    w.u8(tag("normal"));
                    w.f64(mean);
                    w.f64(std);
                }
                Part::Uniform { low, high } => {
                    w.u8(tag("uniform"));
                    w.f64(low);
                    w.f64(high);
                }
                Part::Bernoulli { p } => {
                    w.u8(tag("bernoulli"));
                    w.f64(p);
                }
                Part::Empirical(samples) => {
                    w.u8(tag("empirical"));
                    w.f64s(samples);
                }
                Part::Mixture { weights } => {
                    w.u8(tag("mixture"));
                    w.f64s(weights);
                }
                Part::Unary(op) => {
                    w.u8(tag("unary"));
                    w.str(op.name());
                }
                Part::Binary(op, tolerance) => {
                    w.u8(tag("binary"));
                    w.str(op.name());
                    w.f64(tolerance);
                }
                Part::Between(low, high) => {
                    w.u8(tag("between"));
                    w.f64(low);
                    w.f64(high);
                }
                Part::Select => w.u8(tag("select")),
                Part::Map(function) => {
                    w.u8(tag("map"));
                    w.u32(functions.len() as u32);
                    functions.push(Arc::clone(function));
                }
            }
            w.u32s(&operands);
        }
        (w.into_bytes(), functions)
    }

    /// Reads [`Uncertain::to_bytes`]; `functions` are the host functions it
    /// returned, in order. Every node is rebuilt through its checked
    /// constructor, so corrupt bytes give an error, never a bad graph.
    pub fn from_bytes(
        bytes: &[u8],
        functions: &[Arc<dyn BlockFunction>],
    ) -> Result<Uncertain, CodecError> {
        let (mut r, _) = Reader::open(bytes, GRAPH_MAGIC, GRAPH_VERSION)?;
        // A node takes at least 6 bytes (kind, tag, operand count).
        let count = r.len(6, "node count")?;
        if count == 0 {
            return Err(invalid("uncertain graph", "it has no nodes"));
        }
        let mut nodes: Vec<Uncertain> = Vec::new();
        nodes
            .try_reserve_exact(count)
            .map_err(|_| invalid("node count", count))?;
        let bad = |e: UncertainError| invalid("uncertain node", e);
        for _ in 0..count {
            let boolean = r.bool("node kind")?;
            let kind = if boolean { Kind::Bool } else { Kind::Num };
            let t = r.u8("node tag")?;
            let name = *TAGS.get(t as usize).ok_or_else(|| invalid("node tag", t))?;
            let read_op = |r: &mut Reader<'_>| r.str("operator");
            let node = match name {
                "point" => {
                    let v = r.f64("point")?;
                    if boolean {
                        Uncertain::point_bool(v != 0.0)
                    } else {
                        Uncertain::point(v)
                    }
                }
                "normal" => Uncertain::normal(r.f64("mean")?, r.f64("std")?).map_err(bad)?,
                "uniform" => Uncertain::uniform(r.f64("low")?, r.f64("high")?).map_err(bad)?,
                "bernoulli" => Uncertain::bernoulli(r.f64("p")?).map_err(bad)?,
                "empirical" => Uncertain::from_samples(r.f64s("samples")?, kind).map_err(bad)?,
                "mixture" => {
                    let weights = r.f64s("weights")?;
                    let components = operands(&mut r, &nodes, None)?;
                    nodes.push(Uncertain::mixture(components, weights).map_err(bad)?);
                    continue;
                }
                "unary" => {
                    let op = read_op(&mut r)?;
                    let op = UnaryOp::from_name(&op).ok_or_else(|| invalid("operator", op))?;
                    let [arg] = fixed::<1>(operands(&mut r, &nodes, Some(1))?)?;
                    nodes.push(arg.unary(op).map_err(bad)?);
                    continue;
                }
                "binary" => {
                    let op = read_op(&mut r)?;
                    let op = BinaryOp::from_name(&op).ok_or_else(|| invalid("operator", op))?;
                    let tolerance = r.f64("tolerance")?;
                    let [a, b] = fixed::<2>(operands(&mut r, &nodes, Some(2))?)?;
                    nodes.push(a.binary_within(op, &b, tolerance).map_err(bad)?);
                    continue;
                }
                "between" => {
                    let (low, high) = (r.f64("low")?, r.f64("high")?);
                    let [arg] = fixed::<1>(operands(&mut r, &nodes, Some(1))?)?;
                    nodes.push(arg.within_range(low, high).map_err(bad)?);
                    continue;
                }
                "select" => {
                    let [c, t, e] = fixed::<3>(operands(&mut r, &nodes, Some(3))?)?;
                    nodes.push(c.select(&t, &e).map_err(bad)?);
                    continue;
                }
                _ => {
                    // "map"
                    let k = r.u32("function index")? as usize;
                    let function = functions
                        .get(k)
                        .ok_or_else(|| invalid("function index", k))?;
                    let [arg] = fixed::<1>(operands(&mut r, &nodes, Some(1))?)?;
                    nodes.push(arg.map(Arc::clone(function), kind));
                    continue;
                }
            };
            // Leaves have no operands.
            operands(&mut r, &nodes, Some(0))?;
            nodes.push(node);
        }
        r.finish()?;
        nodes
            .pop()
            .ok_or_else(|| invalid("uncertain graph", "empty"))
    }
}

/// Reads an operand list: indices of earlier nodes only (so the graph stays
/// acyclic), `expected` of them when the node has a fixed arity.
fn operands(
    r: &mut Reader<'_>,
    nodes: &[Uncertain],
    expected: Option<usize>,
) -> Result<Vec<Uncertain>, CodecError> {
    let indices = r.u32s("operands")?;
    if let Some(n) = expected {
        if indices.len() != n {
            return Err(invalid(
                "operands",
                format!("{} operands where {n} are needed", indices.len()),
            ));
        }
    }
    indices
        .iter()
        .map(|&i| {
            nodes
                .get(i as usize)
                .cloned()
                .ok_or_else(|| invalid("operands", format!("index {i} is not an earlier node")))
        })
        .collect()
}

fn fixed<const N: usize>(v: Vec<Uncertain>) -> Result<[Uncertain; N], CodecError> {
    v.try_into()
        .map_err(|_| invalid("operands", format!("{N} operands expected")))
}
