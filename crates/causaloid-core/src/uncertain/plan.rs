//! Compiles the DAG under a root into a flat plan (post-order, each node once)
//! and evaluates it on chunks of samples into one buffer per node. Random
//! leaves draw from their own stream per block, so a sample's value depends on
//! its index only, never on chunking or threads.

use super::error::UncertainError;
use super::node::{
    BinaryOp, BlockFunction, CompareOp, LogicOp, MapFailure, Op, UnaryOp, Uncertain,
};
use super::normal::fill_normal;
use super::rng::Xoshiro256pp;
use crate::Kind;
use std::collections::HashMap;
use std::sync::Arc;

/// Samples per block: the unit of parallel work, of RNG streams and of calls
/// to mapped host functions. Part of the seeded results: never change it.
pub const BLOCK: usize = 4096;

/// Samples evaluated at once within a block when no host code is called:
/// small enough that every node's buffer stays in cache. Sample values do not
/// depend on it; reductions (sums) are grouped by it, so it is fixed too.
pub const CHUNK: usize = 1024;

#[derive(Clone)]
enum Leaf {
    Normal {
        mean: f64,
        std: f64,
    },
    Uniform {
        low: f64,
        high: f64,
    },
    Bernoulli {
        p: f64,
    },
    Empirical {
        samples: Arc<[f64]>,
    },
    /// The stream that picks the mixture component of each sample.
    Selector,
}

enum Step {
    Point(f64),
    Leaf(usize),
    Mixture {
        leaf: usize,
        components: Vec<usize>,
        cumulative: Vec<f64>,
    },
    Unary {
        op: UnaryOp,
        arg: usize,
    },
    Binary {
        op: BinaryOp,
        lhs: usize,
        rhs: usize,
    },
    Compare {
        op: CompareOp,
        lhs: usize,
        rhs: usize,
        tolerance: f64,
    },
    Logic {
        op: LogicOp,
        lhs: usize,
        rhs: usize,
    },
    Not {
        arg: usize,
    },
    Select {
        condition: usize,
        then: usize,
        otherwise: usize,
    },
    Map {
        function: Arc<dyn BlockFunction>,
        arg: usize,
        arg_kind: Kind,
    },
}

/// The compiled form of one root: steps in dependency order, root last.
pub struct Plan {
    steps: Vec<Step>,
    leaves: Vec<Leaf>,
    kind: Kind,
    has_map: bool,
}

impl Plan {
    pub fn compile(root: &Uncertain) -> Plan {
        let mut index: HashMap<usize, usize> = HashMap::new();
        let mut steps = Vec::new();
        let mut leaves = Vec::new();
        let mut has_map = false;
        // Iterative post-order DFS: deep chains must not overflow the stack.
        let mut stack: Vec<(&Uncertain, bool)> = vec![(root, false)];
        while let Some((node, expanded)) = stack.pop() {
            if index.contains_key(&node.id()) {
                continue;
            }
            if !expanded {
                stack.push((node, true));
                for child in node.children().into_iter().rev() {
                    if !index.contains_key(&child.id()) {
                        stack.push((child, false));
                    }
                }
                continue;
            }
            let at = |u: &Uncertain| index[&u.id()];
            let mut leaf = |l: Leaf| {
                leaves.push(l);
                leaves.len() - 1
            };
            let step = match &node.node.op {
                Op::Point(v) => Step::Point(*v),
                Op::Normal { mean, std } => Step::Leaf(leaf(Leaf::Normal {
                    mean: *mean,
                    std: *std,
                })),
                Op::Uniform { low, high } => Step::Leaf(leaf(Leaf::Uniform {
                    low: *low,
                    high: *high,
                })),
                Op::Bernoulli { p } => Step::Leaf(leaf(Leaf::Bernoulli { p: *p })),
                Op::Empirical { samples } => Step::Leaf(leaf(Leaf::Empirical {
                    samples: samples.clone(),
                })),
                Op::Mixture {
                    components,
                    cumulative,
                    ..
                } => Step::Mixture {
                    leaf: leaf(Leaf::Selector),
                    components: components.iter().map(at).collect(),
                    cumulative: cumulative.clone(),
                },
                Op::Unary { op, arg } => Step::Unary {
                    op: *op,
                    arg: at(arg),
                },
                Op::Binary { op, lhs, rhs } => Step::Binary {
                    op: *op,
                    lhs: at(lhs),
                    rhs: at(rhs),
                },
                Op::Compare {
                    op,
                    lhs,
                    rhs,
                    tolerance,
                } => Step::Compare {
                    op: *op,
                    lhs: at(lhs),
                    rhs: at(rhs),
                    tolerance: *tolerance,
                },
                Op::Logic { op, lhs, rhs } => Step::Logic {
                    op: *op,
                    lhs: at(lhs),
                    rhs: at(rhs),
                },
                Op::Not { arg } => Step::Not { arg: at(arg) },
                Op::Select {
                    condition,
                    then,
                    otherwise,
                } => Step::Select {
                    condition: at(condition),
                    then: at(then),
                    otherwise: at(otherwise),
                },
                Op::Map { function, arg } => {
                    has_map = true;
                    Step::Map {
                        function: function.clone(),
                        arg: at(arg),
                        arg_kind: arg.kind(),
                    }
                }
            };
            index.insert(node.id(), steps.len());
            steps.push(step);
        }
        Plan {
            steps,
            leaves,
            kind: root.kind(),
            has_map,
        }
    }

    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// Number of distinct nodes (shared nodes counted once).
    pub fn node_count(&self) -> usize {
        self.steps.len()
    }

    /// Whether a host function is called (then blocks run on one thread, in
    /// order: the host may not be thread-safe, and it is serialised anyway).
    pub fn calls_host(&self) -> bool {
        self.has_map
    }
}

struct LeafState {
    rng: Xoshiro256pp,
}

/// Per-thread scratch space: one buffer per step and the RNG state of every
/// leaf within the current block.
pub struct Workspace {
    buffers: Vec<Vec<f64>>,
    states: Vec<LeafState>,
    seed: u64,
    block: u64,
    /// Samples of the current block already produced.
    position: usize,
    /// Length of every buffer: the most samples one chunk can hold.
    capacity: usize,
}

impl Workspace {
    pub fn new(plan: &Plan, seed: u64) -> Workspace {
        // A host function sees whole blocks; native plans run in cache-sized chunks.
        let capacity = if plan.has_map { BLOCK } else { CHUNK };
        Workspace {
            capacity,
            buffers: plan.steps.iter().map(|_| vec![0.0; capacity]).collect(),
            states: Vec::new(),
            seed,
            block: u64::MAX,
            position: 0,
        }
    }

    /// Restarts the RNG streams at the beginning of `block`.
    pub fn start_block(&mut self, plan: &Plan, block: u64) {
        self.block = block;
        self.position = 0;
        self.states = (0..plan.leaves.len())
            .map(|leaf| LeafState {
                rng: Xoshiro256pp::for_stream(self.seed, leaf as u64, block),
            })
            .collect();
    }

    /// Samples still available in the current block.
    pub fn remaining_in_block(&self) -> usize {
        BLOCK - self.position
    }

    /// Evaluates the next samples of the current block (at most `len`, fewer
    /// at the end of the block or beyond the workspace's capacity) and returns
    /// the root's values (booleans as 0.0 / 1.0).
    pub fn next_chunk(&mut self, plan: &Plan, len: usize) -> Result<&[f64], UncertainError> {
        let len = len.min(self.remaining_in_block()).min(self.capacity);
        let first_sample = self.block * BLOCK as u64 + self.position as u64;
        for (i, step) in plan.steps.iter().enumerate() {
            let (done, rest) = self.buffers.split_at_mut(i);
            let out = &mut rest[0][..len];
            let arg = |k: usize| &done[k][..len];
            match step {
                Step::Point(v) => out.fill(*v),
                Step::Leaf(l) => draw(&plan.leaves[*l], &mut self.states[*l], out),
                Step::Mixture {
                    leaf,
                    components,
                    cumulative,
                } => {
                    let rng = &mut self.states[*leaf].rng;
                    for (j, o) in out.iter_mut().enumerate() {
                        let u = rng.next_f64();
                        let c = cumulative
                            .iter()
                            .position(|&b| u < b)
                            .unwrap_or(cumulative.len() - 1);
                        *o = done[components[c]][j];
                    }
                }
                Step::Unary { op, arg: a } => {
                    let a = arg(*a);
                    match op {
                        UnaryOp::Neg => out.iter_mut().zip(a).for_each(|(o, x)| *o = -x),
                        UnaryOp::Abs => out.iter_mut().zip(a).for_each(|(o, x)| *o = x.abs()),
                    }
                }
                Step::Binary { op, lhs, rhs } => {
                    let (a, b) = (arg(*lhs), arg(*rhs));
                    let zip = out.iter_mut().zip(a.iter().zip(b));
                    match op {
                        BinaryOp::Add => zip.for_each(|(o, (x, y))| *o = x + y),
                        BinaryOp::Sub => zip.for_each(|(o, (x, y))| *o = x - y),
                        BinaryOp::Mul => zip.for_each(|(o, (x, y))| *o = x * y),
                        BinaryOp::Div => {
                            if let Some(j) = b.iter().position(|&y| y == 0.0) {
                                return Err(UncertainError::DivisionByZero {
                                    sample: first_sample + j as u64,
                                    seed: self.seed,
                                });
                            }
                            zip.for_each(|(o, (x, y))| *o = x / y)
                        }
                    }
                }
                Step::Compare {
                    op,
                    lhs,
                    rhs,
                    tolerance,
                } => {
                    let (a, b) = (arg(*lhs), arg(*rhs));
                    let t = *tolerance;
                    let zip = out.iter_mut().zip(a.iter().zip(b));
                    let f = |c: bool| f64::from(u8::from(c));
                    match op {
                        CompareOp::Lt => zip.for_each(|(o, (x, y))| *o = f(x < y)),
                        CompareOp::Le => zip.for_each(|(o, (x, y))| *o = f(x <= y)),
                        CompareOp::Gt => zip.for_each(|(o, (x, y))| *o = f(x > y)),
                        CompareOp::Ge => zip.for_each(|(o, (x, y))| *o = f(x >= y)),
                        CompareOp::Eq => {
                            zip.for_each(|(o, (x, y))| *o = f(x == y || (x - y).abs() <= t))
                        }
                        CompareOp::Ne => {
                            zip.for_each(|(o, (x, y))| *o = f(!(x == y || (x - y).abs() <= t)))
                        }
                    }
                }
                Step::Logic { op, lhs, rhs } => {
                    let zip = out.iter_mut().zip(arg(*lhs).iter().zip(arg(*rhs)));
                    let f = |c: bool| f64::from(u8::from(c));
                    match op {
                        LogicOp::And => zip.for_each(|(o, (x, y))| *o = f(*x != 0.0 && *y != 0.0)),
                        LogicOp::Or => zip.for_each(|(o, (x, y))| *o = f(*x != 0.0 || *y != 0.0)),
                    }
                }
                Step::Not { arg: a } => out
                    .iter_mut()
                    .zip(arg(*a))
                    .for_each(|(o, x)| *o = f64::from(u8::from(*x == 0.0))),
                Step::Select {
                    condition,
                    then,
                    otherwise,
                } => {
                    let (c, t, e) = (arg(*condition), arg(*then), arg(*otherwise));
                    for (j, o) in out.iter_mut().enumerate() {
                        *o = if c[j] != 0.0 { t[j] } else { e[j] };
                    }
                }
                Step::Map {
                    function,
                    arg: a,
                    arg_kind,
                } => {
                    let result =
                        function
                            .call(arg(*a), *arg_kind)
                            .map_err(|failure| match failure {
                                MapFailure::Shape(found) => UncertainError::MapShape {
                                    name: function.name(),
                                    expected: len,
                                    found,
                                },
                                MapFailure::Raised(source) => UncertainError::MapFailed {
                                    name: function.name(),
                                    source: Arc::from(source),
                                },
                            })?;
                    if result.len() != len {
                        return Err(UncertainError::MapShape {
                            name: function.name(),
                            expected: len,
                            found: vec![result.len()],
                        });
                    }
                    out.copy_from_slice(&result);
                }
            }
        }
        self.position += len;
        let root = self.buffers.len() - 1;
        Ok(&self.buffers[root][..len])
    }
}

fn draw(leaf: &Leaf, state: &mut LeafState, out: &mut [f64]) {
    let rng = &mut state.rng;
    match leaf {
        Leaf::Normal { mean, std } => fill_normal(rng, *mean, *std, out),
        Leaf::Uniform { low, high } => {
            let width = high - low;
            out.iter_mut()
                .for_each(|o| *o = low + width * rng.next_f64());
        }
        Leaf::Bernoulli { p } => out
            .iter_mut()
            .for_each(|o| *o = f64::from(u8::from(rng.next_f64() < *p))),
        Leaf::Empirical { samples } => out
            .iter_mut()
            .for_each(|o| *o = samples[rng.next_index(samples.len())]),
        // A selector's draws are made by its mixture step, one per sample.
        Leaf::Selector => {}
    }
}
