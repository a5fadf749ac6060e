//! The lazy computation graph: an [`Uncertain`] is a shared node of a DAG of
//! distributions, arithmetic, comparisons, logic and mapped host functions.
//! Building it samples nothing; a node reached twice is one random variable.

use super::error::UncertainError;
use crate::expr::program::{binary_kind, unary_kind};
use crate::Kind;
use std::error::Error;
use std::fmt;
use std::sync::Arc;

/// Why a mapped function failed on one block of samples.
#[derive(Debug)]
pub enum MapFailure {
    /// It returned an array of this shape instead of one value per sample.
    Shape(Vec<usize>),
    /// It raised; the host's error is kept so it can be re-raised as the cause.
    Raised(Box<dyn Error + Send + Sync>),
}

/// A host function applied to a whole block of samples at once (never per
/// sample). The bindings implement it for Python callables.
pub trait BlockFunction: Send + Sync {
    /// Maps the samples of the argument (booleans as 0.0 / 1.0) to one output
    /// value per sample.
    fn call(&self, input: &[f64], input_kind: Kind) -> Result<Vec<f64>, MapFailure>;
    /// A name for messages and `describe()`.
    fn name(&self) -> String;
    /// The implementor, so a host can recover its own function (to pickle it).
    fn as_any(&self) -> &dyn std::any::Any;
}

/// The operators are the expression engine's: one vocabulary, one table of
/// result kinds and one per-value semantics for expressions and uncertain
/// values alike.
pub use crate::expr::{BinaryOp, UnaryOp};

pub(crate) enum Op {
    Point(f64),
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
    Mixture {
        components: Vec<Uncertain>,
        weights: Vec<f64>,
        cumulative: Vec<f64>,
    },
    Unary {
        op: UnaryOp,
        arg: Uncertain,
    },
    Binary {
        op: BinaryOp,
        lhs: Uncertain,
        rhs: Uncertain,
        /// Widens `eq` / `ne` to `|a - b| <= tolerance`; 0 for every other operator.
        tolerance: f64,
    },
    /// `low <= x <= high`, bounds included.
    Between {
        arg: Uncertain,
        low: f64,
        high: f64,
    },
    Select {
        condition: Uncertain,
        then: Uncertain,
        otherwise: Uncertain,
    },
    Map {
        function: Arc<dyn BlockFunction>,
        arg: Uncertain,
    },
}

pub(crate) struct Node {
    pub(crate) kind: Kind,
    pub(crate) op: Op,
}

/// A value with uncertainty: a handle on one node of a lazy computation graph.
/// Cloning shares the node, so a clone is the same random variable.
#[derive(Clone)]
pub struct Uncertain {
    pub(crate) node: Arc<Node>,
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Bool => "bool",
        Kind::Num => "float",
    }
}

impl Uncertain {
    fn new(kind: Kind, op: Op) -> Self {
        Uncertain {
            node: Arc::new(Node { kind, op }),
        }
    }

    /// Whether samples are booleans or numbers.
    pub fn kind(&self) -> Kind {
        self.node.kind
    }

    /// Identity of the node: two handles with the same id are one random variable.
    pub fn id(&self) -> usize {
        Arc::as_ptr(&self.node) as usize
    }

    /// A certain number.
    pub fn point(value: f64) -> Self {
        Uncertain::new(Kind::Num, Op::Point(value))
    }

    /// A certain boolean.
    pub fn point_bool(value: bool) -> Self {
        Uncertain::new(Kind::Bool, Op::Point(f64::from(u8::from(value))))
    }

    /// Normal (Gaussian) with the given mean and standard deviation (≥ 0, finite).
    pub fn normal(mean: f64, std: f64) -> Result<Self, UncertainError> {
        if !mean.is_finite() {
            return Err(UncertainError::invalid("mean", mean, "a finite number"));
        }
        if !(std.is_finite() && std >= 0.0) {
            return Err(UncertainError::invalid("std", std, "a finite number >= 0"));
        }
        Ok(Uncertain::new(Kind::Num, Op::Normal { mean, std }))
    }

    /// Uniform on [low, high).
    pub fn uniform(low: f64, high: f64) -> Result<Self, UncertainError> {
        if !low.is_finite() {
            return Err(UncertainError::invalid("low", low, "a finite number"));
        }
        if !high.is_finite() {
            return Err(UncertainError::invalid("high", high, "a finite number"));
        }
        if low > high {
            return Err(UncertainError::InvalidParameter {
                parameter: "low",
                value: format!("{low} (high is {high})"),
                expected: "<= high",
            });
        }
        Ok(Uncertain::new(Kind::Num, Op::Uniform { low, high }))
    }

    /// An uncertain boolean that is true with probability `p`.
    pub fn bernoulli(p: f64) -> Result<Self, UncertainError> {
        if !(0.0..=1.0).contains(&p) {
            return Err(UncertainError::invalid("p", p, "in [0, 1]"));
        }
        Ok(Uncertain::new(Kind::Bool, Op::Bernoulli { p }))
    }

    /// The empirical distribution of observed samples (drawn with replacement).
    pub fn from_samples(samples: Vec<f64>, kind: Kind) -> Result<Self, UncertainError> {
        if samples.is_empty() {
            return Err(UncertainError::InvalidParameter {
                parameter: "samples",
                value: "an empty array".into(),
                expected: "a non-empty array",
            });
        }
        if let Some(i) = samples.iter().position(|x| x.is_nan()) {
            return Err(UncertainError::InvalidParameter {
                parameter: "samples",
                value: format!("NaN at index {i}"),
                expected: "free of NaN",
            });
        }
        let samples: Vec<f64> = match kind {
            Kind::Bool => samples
                .iter()
                .map(|&x| f64::from(u8::from(x != 0.0)))
                .collect(),
            Kind::Num => samples,
        };
        Ok(Uncertain::new(
            kind,
            Op::Empirical {
                samples: samples.into(),
            },
        ))
    }

    /// A mixture: each sample comes from component `i` with probability `weights[i]`.
    pub fn mixture(components: Vec<Uncertain>, weights: Vec<f64>) -> Result<Self, UncertainError> {
        if components.is_empty() {
            return Err(UncertainError::InvalidParameter {
                parameter: "components",
                value: "an empty list".into(),
                expected: "at least one component",
            });
        }
        if weights.len() != components.len() {
            return Err(UncertainError::InvalidParameter {
                parameter: "weights",
                value: format!(
                    "{} weights for {} components",
                    weights.len(),
                    components.len()
                ),
                expected: "one weight per component",
            });
        }
        if let Some(w) = weights.iter().find(|w| !(w.is_finite() && **w >= 0.0)) {
            return Err(UncertainError::invalid(
                "weights",
                *w,
                "finite and >= 0 each",
            ));
        }
        let total: f64 = weights.iter().sum();
        if (total - 1.0).abs() > 1e-9 {
            return Err(UncertainError::InvalidParameter {
                parameter: "weights",
                value: format!("{weights:?} (sum {total})"),
                expected: "summing to 1",
            });
        }
        let kind = components[0].kind();
        if let Some(c) = components.iter().find(|c| c.kind() != kind) {
            return Err(UncertainError::KindMismatch {
                operation: "mixture",
                expected: kind_name(kind),
                found: kind_name(c.kind()),
            });
        }
        let mut acc = 0.0;
        let mut cumulative: Vec<f64> = weights
            .iter()
            .map(|w| {
                acc += w;
                acc
            })
            .collect();
        // The last bound is exactly 1 so rounding never leaves a gap at the top.
        if let Some(last) = cumulative.last_mut() {
            *last = f64::INFINITY;
        }
        Ok(Uncertain::new(
            kind,
            Op::Mixture {
                components,
                weights,
                cumulative,
            },
        ))
    }

    /// A unary operator of the expression engine; `not` needs an uncertain bool.
    pub fn unary(&self, op: UnaryOp) -> Result<Uncertain, UncertainError> {
        if op == UnaryOp::Not {
            self.require_bool("not (~)")?;
        }
        Ok(Uncertain::new(
            unary_kind(op, self.kind()),
            Op::Unary {
                op,
                arg: self.clone(),
            },
        ))
    }

    /// A binary operator of the expression engine, sample by sample: the
    /// result kind and each value are exactly the expression engine's.
    /// Booleans count as 0 and 1 in arithmetic; `and`, `or` and `xor` need
    /// uncertain bools (a random number is not a truth value).
    pub fn binary(&self, op: BinaryOp, rhs: &Uncertain) -> Result<Uncertain, UncertainError> {
        self.binary_within(op, rhs, 0.0)
    }

    /// [`Uncertain::binary`], with `eq` / `ne` widened to `|a - b| <= tolerance`.
    pub fn binary_within(
        &self,
        op: BinaryOp,
        rhs: &Uncertain,
        tolerance: f64,
    ) -> Result<Uncertain, UncertainError> {
        if !(tolerance.is_finite() && tolerance >= 0.0) {
            return Err(UncertainError::invalid(
                "tolerance",
                tolerance,
                "a finite number >= 0",
            ));
        }
        if tolerance > 0.0 && !matches!(op, BinaryOp::Eq | BinaryOp::Ne) {
            return Err(UncertainError::invalid(
                "tolerance",
                tolerance,
                "0 for every operator but eq and ne",
            ));
        }
        if let Some(name) = logic_name(op) {
            self.require_bool(name)?;
            rhs.require_bool(name)?;
        }
        Ok(Uncertain::new(
            binary_kind(op, self.kind(), rhs.kind()),
            Op::Binary {
                op,
                lhs: self.clone(),
                rhs: rhs.clone(),
                tolerance,
            },
        ))
    }

    /// An uncertain bool: `low <= x <= high` in each sample (bounds included,
    /// infinite bounds allowed), the expression engine's `between`.
    pub fn within_range(&self, low: f64, high: f64) -> Result<Uncertain, UncertainError> {
        if low.is_nan() {
            return Err(UncertainError::invalid("low", low, "a number (not NaN)"));
        }
        if high.is_nan() || high < low {
            return Err(UncertainError::invalid("high", high, "a number >= low"));
        }
        Ok(Uncertain::new(
            Kind::Bool,
            Op::Between {
                arg: self.clone(),
                low,
                high,
            },
        ))
    }

    fn require_bool(&self, operation: &'static str) -> Result<(), UncertainError> {
        match self.kind() {
            Kind::Bool => Ok(()),
            Kind::Num => Err(UncertainError::KindMismatch {
                operation,
                expected: "bool",
                found: "float",
            }),
        }
    }

    /// `then` where the condition holds, `otherwise` elsewhere, sample by sample.
    pub fn select(
        &self,
        then: &Uncertain,
        otherwise: &Uncertain,
    ) -> Result<Uncertain, UncertainError> {
        self.require_bool("select")?;
        if then.kind() != otherwise.kind() {
            return Err(UncertainError::KindMismatch {
                operation: "select",
                expected: kind_name(then.kind()),
                found: kind_name(otherwise.kind()),
            });
        }
        Ok(Uncertain::new(
            then.kind(),
            Op::Select {
                condition: self.clone(),
                then: then.clone(),
                otherwise: otherwise.clone(),
            },
        ))
    }

    /// A host function applied block-wise, giving values of `output` kind.
    pub fn map(&self, function: Arc<dyn BlockFunction>, output: Kind) -> Uncertain {
        Uncertain::new(
            output,
            Op::Map {
                function,
                arg: self.clone(),
            },
        )
    }

    /// The direct operands of this node.
    pub(crate) fn children(&self) -> Vec<&Uncertain> {
        match &self.node.op {
            Op::Point(_)
            | Op::Normal { .. }
            | Op::Uniform { .. }
            | Op::Bernoulli { .. }
            | Op::Empirical { .. } => {
                vec![]
            }
            Op::Mixture { components, .. } => components.iter().collect(),
            Op::Unary { arg, .. } | Op::Between { arg, .. } | Op::Map { arg, .. } => vec![arg],
            Op::Binary { lhs, rhs, .. } => vec![lhs, rhs],
            Op::Select {
                condition,
                then,
                otherwise,
            } => vec![condition, then, otherwise],
        }
    }

    /// A one-line rendering of this node (operands by reference, not expanded).
    pub(crate) fn label(&self) -> String {
        match &self.node.op {
            Op::Point(v) => match self.kind() {
                Kind::Bool => format!("point({})", *v != 0.0),
                Kind::Num => format!("point({v})"),
            },
            Op::Normal { mean, std } => format!("normal(mean={mean}, std={std})"),
            Op::Uniform { low, high } => format!("uniform(low={low}, high={high})"),
            Op::Bernoulli { p } => format!("bernoulli(p={p})"),
            Op::Empirical { samples } => format!("from_samples(<{} values>)", samples.len()),
            Op::Mixture { components, .. } => format!("mixture(<{} components>)", components.len()),
            Op::Unary { op, .. } => op.name().into(),
            Op::Binary { op, tolerance, .. } => {
                if *tolerance > 0.0 {
                    format!("{}(tolerance={tolerance})", op.name())
                } else {
                    op.name().into()
                }
            }
            Op::Between { low, high, .. } => format!("within_range(low={low}, high={high})"),
            Op::Select { .. } => "select".into(),
            Op::Map { function, .. } => format!("map({})", function.name()),
        }
    }

    /// An expression-like rendering of the graph; shared nodes are expanded
    /// once and then referred to as `#k`.
    pub fn describe(&self) -> String {
        let mut seen = std::collections::HashMap::new();
        let mut out = String::new();
        self.describe_into(&mut seen, &mut out, 0);
        out
    }

    fn describe_into(
        &self,
        seen: &mut std::collections::HashMap<usize, usize>,
        out: &mut String,
        depth: usize,
    ) {
        use std::fmt::Write;
        if let Some(k) = seen.get(&self.id()) {
            let _ = write!(out, "#{k}");
            return;
        }
        if depth > 40 {
            out.push('…');
            return;
        }
        let k = seen.len();
        let children = self.children();
        seen.insert(self.id(), k);
        let symbol = match &self.node.op {
            Op::Binary { op, tolerance, .. } if *tolerance == 0.0 => op.symbol(),
            _ => None,
        };
        match (symbol, children.as_slice()) {
            (Some(sym), [lhs, rhs]) => {
                out.push('(');
                lhs.describe_into(seen, out, depth + 1);
                let _ = write!(out, " {sym} ");
                rhs.describe_into(seen, out, depth + 1);
                out.push(')');
            }
            (_, []) => out.push_str(&self.label()),
            (_, args) => {
                out.push_str(&self.label());
                out.push('(');
                for (i, arg) in args.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    arg.describe_into(seen, out, depth + 1);
                }
                out.push(')');
            }
        }
    }
}

/// A public view of one node, without its operands (see [`Uncertain::operands`]):
/// enough to rebuild the graph elsewhere, e.g. when a host pickles it.
pub enum Part<'a> {
    Point(f64),
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
    Empirical(&'a [f64]),
    Mixture {
        weights: &'a [f64],
    },
    Unary(UnaryOp),
    /// The operator and its tolerance (0 unless a widened `eq` / `ne`).
    Binary(BinaryOp, f64),
    /// `within_range(low, high)`.
    Between(f64, f64),
    Select,
    Map(&'a Arc<dyn BlockFunction>),
}

impl Uncertain {
    /// What this node is.
    pub fn part(&self) -> Part<'_> {
        match &self.node.op {
            Op::Point(v) => Part::Point(*v),
            Op::Normal { mean, std } => Part::Normal {
                mean: *mean,
                std: *std,
            },
            Op::Uniform { low, high } => Part::Uniform {
                low: *low,
                high: *high,
            },
            Op::Bernoulli { p } => Part::Bernoulli { p: *p },
            Op::Empirical { samples } => Part::Empirical(samples),
            Op::Mixture { weights, .. } => Part::Mixture { weights },
            Op::Unary { op, .. } => Part::Unary(*op),
            Op::Binary { op, tolerance, .. } => Part::Binary(*op, *tolerance),
            Op::Between { low, high, .. } => Part::Between(*low, *high),
            Op::Select { .. } => Part::Select,
            Op::Map { function, .. } => Part::Map(function),
        }
    }

    /// The operands of this node, in order.
    pub fn operands(&self) -> Vec<Uncertain> {
        self.children().into_iter().cloned().collect()
    }

    /// Every distinct node under (and including) this one, operands before
    /// the nodes that use them; shared nodes appear once.
    pub fn post_order(&self) -> Vec<Uncertain> {
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        let mut stack: Vec<(Uncertain, bool)> = vec![(self.clone(), false)];
        while let Some((node, expanded)) = stack.pop() {
            if seen.contains(&node.id()) {
                continue;
            }
            if expanded {
                seen.insert(node.id());
                out.push(node);
                continue;
            }
            let children = node.operands();
            stack.push((node, true));
            for child in children.into_iter().rev() {
                if !seen.contains(&child.id()) {
                    stack.push((child, false));
                }
            }
        }
        out
    }
}

impl fmt::Debug for Uncertain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Uncertain({})", self.describe())
    }
}

impl Drop for Node {
    // Long chains (a sum built in a loop) would otherwise drop recursively and
    // overflow the stack; unlink them iteratively instead.
    fn drop(&mut self) {
        let mut stack: Vec<Uncertain> = Vec::new();
        take_children(&mut self.op, &mut stack);
        while let Some(child) = stack.pop() {
            if let Ok(mut node) = Arc::try_unwrap(child.node) {
                take_children(&mut node.op, &mut stack);
            }
        }
    }
}

fn take_children(op: &mut Op, stack: &mut Vec<Uncertain>) {
    let placeholder = || Uncertain {
        node: Arc::new(Node {
            kind: Kind::Num,
            op: Op::Point(0.0),
        }),
    };
    match op {
        Op::Mixture { components, .. } => stack.append(components),
        Op::Unary { arg, .. } | Op::Between { arg, .. } | Op::Map { arg, .. } => {
            stack.push(std::mem::replace(arg, placeholder()));
        }
        Op::Binary { lhs, rhs, .. } => {
            stack.push(std::mem::replace(lhs, placeholder()));
            stack.push(std::mem::replace(rhs, placeholder()));
        }
        Op::Select {
            condition,
            then,
            otherwise,
        } => {
            stack.push(std::mem::replace(condition, placeholder()));
            stack.push(std::mem::replace(then, placeholder()));
            stack.push(std::mem::replace(otherwise, placeholder()));
        }
        _ => {}
    }
}

/// The operator's name in messages, for the logic operators that need bools.
fn logic_name(op: BinaryOp) -> Option<&'static str> {
    match op {
        BinaryOp::And => Some("and (&)"),
        BinaryOp::Or => Some("or (|)"),
        BinaryOp::Xor => Some("xor (^)"),
        _ => None,
    }
}
