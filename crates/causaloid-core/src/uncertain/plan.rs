//! Compiles the DAG under a root into a flat plan (post-order, each node once)
//! and evaluates it on chunks of samples into one buffer per node. Random
//! leaves draw from their own stream per block, so a sample's value depends on
//! its index only, never on chunking or threads.

use super::error::UncertainError;
use super::node::{BinaryOp, BlockFunction, MapFailure, Op, UnaryOp, Uncertain};
use super::normal::fill_normal;
use super::rng::Xoshiro256pp;
use crate::expr::program::{between, binary_slice, unary_slice};
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
        tolerance: f64,
    },
    Between {
        arg: usize,
        low: f64,
        high: f64,
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

/// The compiled form of one root (or several sharing nodes): steps in
/// dependency order, each distinct node once.
pub struct Plan {
    steps: Vec<Step>,
    leaves: Vec<Leaf>,
    kind: Kind,
    has_map: bool,
    /// The step of each root, in the order the roots were given.
    outputs: Vec<usize>,
}

impl Plan {
    pub fn compile(root: &Uncertain) -> Plan {
        Plan::compile_many(std::slice::from_ref(root))
    }

    /// One plan for several values: a node they share is one step, so it is
    /// one random variable in all of them (the first root's kind is the plan's).
    pub fn compile_many(roots: &[Uncertain]) -> Plan {
        let mut index: HashMap<usize, usize> = HashMap::new();
        let mut steps = Vec::new();
        let mut leaves = Vec::new();
        let mut has_map = false;
        // Iterative post-order DFS: deep chains must not overflow the stack.
        let mut stack: Vec<(&Uncertain, bool)> = roots.iter().rev().map(|r| (r, false)).collect();
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
                Op::Binary {
                    op,
                    lhs,
                    rhs,
                    tolerance,
                } => Step::Binary {
                    op: *op,
                    lhs: at(lhs),
                    rhs: at(rhs),
                    tolerance: *tolerance,
                },
                Op::Between { arg, low, high } => Step::Between {
                    arg: at(arg),
                    low: *low,
                    high: *high,
                },
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
        let outputs = roots.iter().map(|r| index[&r.id()]).collect();
        Plan {
            steps,
            leaves,
            kind: roots.first().map_or(Kind::Num, Uncertain::kind),
            has_map,
            outputs,
        }
    }

    /// How many roots the plan computes.
    pub fn output_count(&self) -> usize {
        self.outputs.len()
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
                Step::Unary { op, arg: a } => unary_slice(*op, arg(*a), out),
                Step::Binary {
                    op,
                    lhs,
                    rhs,
                    tolerance,
                } => {
                    let (a, b) = (arg(*lhs), arg(*rhs));
                    let (op, t) = (*op, *tolerance);
                    match op {
                        // Sampling checks the support: a zero denominator is an
                        // error naming the sample, not an infinity.
                        BinaryOp::Div => {
                            if let Some(j) = b.iter().position(|&y| y == 0.0) {
                                return Err(UncertainError::DivisionByZero {
                                    sample: first_sample + j as u64,
                                    seed: self.seed,
                                });
                            }
                            binary_slice(op, a, b, out)
                        }
                        BinaryOp::Eq | BinaryOp::Ne if t > 0.0 => {
                            let same = if op == BinaryOp::Eq { 1.0 } else { 0.0 };
                            let zip = out.iter_mut().zip(a.iter().zip(b));
                            zip.for_each(|(o, (x, y))| {
                                let close = x == y || (x - y).abs() <= t;
                                *o = if close { same } else { 1.0 - same }
                            })
                        }
                        _ => binary_slice(op, a, b, out),
                    }
                }
                Step::Between { arg: a, low, high } => {
                    let (low, high) = (*low, *high);
                    out.iter_mut()
                        .zip(arg(*a))
                        .for_each(|(o, x)| *o = between(*x, low, high));
                }
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
        Ok(&self.buffers[plan.outputs[0]][..len])
    }

    /// The values of root `k` in the last chunk of `len` samples.
    pub fn output(&self, plan: &Plan, k: usize, len: usize) -> &[f64] {
        &self.buffers[plan.outputs[k]][..len]
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
