//! Structural causal models: numeric variables on a DAG, each the value of a
//! structural equation over its parents plus an exogenous noise term.
//!
//! The three rungs of Pearl's ladder run here, natively and block-parallel:
//! [`Scm::sample`] (observational or after [`Scm::intervene`]),
//! [`Scm::counterfactual`] (abduction of additive noise, action, prediction,
//! for every row of a table at once) and [`Scm::effect`]; [`Scm::fit`] fits
//! linear equations and empirical noise from data.
//!
//! Determinism: the noise of variable `k` in block `b` of a sampling pass is
//! drawn from its own counter-based stream `(seed, k, b)`, and blocks have a
//! fixed size, so a seeded sample is bit-identical on one thread or many, and
//! an intervened model reuses the very same noise draws as the model it came
//! from (paired comparisons for effects).

mod error;
mod fit;
mod kernel;
mod run;
mod serial;

pub use error::{EquationFailure, ScmError};
pub use kernel::EVAL_BLOCK;
pub use run::{Counterfactual, CounterfactualInfo, EffectEstimate, BLOCK};

use crate::expr::Expr;
use kernel::Kernel;
use std::any::Any;
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

/// A structural equation written in a host language (a Python function),
/// called once per batch with the parents' columns.
pub trait BlockEquation: Send + Sync {
    /// `parents[j]` holds parent `j`'s values; `noise` is given when the
    /// equation takes its noise as an argument (non-additive noise).
    fn call(
        &self,
        parents: &[&[f64]],
        noise: Option<&[f64]>,
        len: usize,
    ) -> Result<Vec<f64>, EquationFailure>;
    /// A printable name (the function's qualified name).
    fn name(&self) -> String;
    fn as_any(&self) -> &dyn Any;
}

/// How a variable is computed from its parents.
#[derive(Clone)]
pub enum Equation {
    /// Linear, coefficients to be fitted by [`Scm::fit`].
    Unfitted,
    /// `intercept + Σ coefs[j] · parent_j` (parents in declaration order).
    Linear { intercept: f64, coefs: Vec<f64> },
    /// A native expression reading its parents with `col("name")`.
    Expr(Arc<CompiledExpr>),
    /// A host-language function called once per batch.
    External {
        function: Arc<dyn BlockEquation>,
        takes_noise: bool,
    },
    /// Set by a hard intervention `do(x = value)`.
    Fixed(f64),
    /// A soft intervention: `expr` over the old value (`value()`), which is
    /// still `base(parents) + noise`.
    Soft {
        base: Box<Equation>,
        expr: Arc<CompiledExpr>,
    },
}

/// An expression compiled once to a block kernel over the model's variables.
#[derive(Debug)]
pub struct CompiledExpr {
    pub expr: Expr,
    pub(crate) kernel: Kernel,
}

/// The exogenous noise of a variable.
#[derive(Clone, Debug, PartialEq)]
pub enum Noise {
    None,
    Normal {
        mean: f64,
        std: f64,
    },
    Uniform {
        low: f64,
        high: f64,
    },
    /// Resampled uniformly from these values (e.g. fitted residuals).
    Empirical(Arc<EmpiricalNoise>),
}

impl Noise {
    /// Empirical noise resampled from `values`.
    pub fn empirical(values: Vec<f64>) -> Noise {
        Noise::Empirical(Arc::new(EmpiricalNoise::new(values)))
    }

    /// The interval an abducted noise value is expected in, when the
    /// distribution is bounded: `Uniform(low, high)`'s bounds, or the
    /// smallest and largest value of an empirical distribution.
    pub fn support(&self) -> Option<(f64, f64)> {
        match self {
            Noise::Uniform { low, high } => Some((*low, *high)),
            Noise::Empirical(e) => Some(e.range()),
            Noise::None | Noise::Normal { .. } => None,
        }
    }
}

/// The values of an empirical noise distribution, with their range (the
/// support a counterfactual's abducted noise is checked against), computed
/// once.
#[derive(Clone, Debug, PartialEq)]
pub struct EmpiricalNoise {
    values: Vec<f64>,
    low: f64,
    high: f64,
}

impl EmpiricalNoise {
    pub fn new(values: Vec<f64>) -> EmpiricalNoise {
        let (low, high) = values
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| {
                (lo.min(x), hi.max(x))
            });
        EmpiricalNoise { values, low, high }
    }

    /// `(smallest, largest)` value.
    pub fn range(&self) -> (f64, f64) {
        (self.low, self.high)
    }

    pub fn values(&self) -> &[f64] {
        &self.values
    }
}

impl std::ops::Deref for EmpiricalNoise {
    type Target = [f64];
    fn deref(&self) -> &[f64] {
        &self.values
    }
}

/// What one `do` did to one variable.
#[derive(Clone, Debug, PartialEq)]
pub struct Intervention {
    pub node: String,
    /// `"x = 1"` or `"x := (value() * 2.0)"`.
    pub description: String,
    /// The edges the intervention removed, as `(parent, node)`.
    pub cut: Vec<(String, String)>,
}

/// An intervention as asked for: a value, or an expression over the old value.
#[derive(Clone, Debug)]
pub enum Action {
    Set(f64),
    Shift(Expr),
}

/// A structural causal model.
#[derive(Clone)]
pub struct Scm {
    names: Vec<String>,
    index: HashMap<String, usize>,
    parents: Vec<Vec<usize>>,
    equations: Vec<Equation>,
    noises: Vec<Noise>,
    order: Vec<usize>,
    interventions: Vec<Intervention>,
}

/// One variable as given to [`Scm::new`].
pub struct NodeSpec {
    pub name: String,
    pub parents: Vec<String>,
    pub equation: EquationSpec,
    pub noise: Noise,
}

/// An equation as given to [`Scm::new`].
pub enum EquationSpec {
    Linear {
        intercept: f64,
        coefs: Vec<f64>,
    },
    Unfitted,
    Expr(Expr),
    External {
        function: Arc<dyn BlockEquation>,
        takes_noise: bool,
    },
}

impl Scm {
    /// Builds and checks a model: unique names, known parents, no cycle,
    /// expressions reading only parents, valid noise parameters.
    pub fn new(nodes: Vec<NodeSpec>) -> Result<Scm, ScmError> {
        let mut index = HashMap::with_capacity(nodes.len());
        let mut names = Vec::with_capacity(nodes.len());
        for (i, node) in nodes.iter().enumerate() {
            if index.insert(node.name.clone(), i).is_some() {
                return Err(ScmError::DuplicateVariable {
                    name: node.name.clone(),
                });
            }
            names.push(node.name.clone());
        }
        let mut parents = Vec::with_capacity(nodes.len());
        let mut equations = Vec::with_capacity(nodes.len());
        let mut noises = Vec::with_capacity(nodes.len());
        for node in nodes {
            let mut ps: Vec<usize> = Vec::with_capacity(node.parents.len());
            for p in &node.parents {
                let j = *index.get(p).ok_or_else(|| ScmError::UnknownVariable {
                    name: p.clone(),
                    known: names.clone(),
                })?;
                if ps.contains(&j) {
                    return Err(ScmError::InvalidArgument {
                        name: "edges",
                        message: format!("edge {p} -> {} is given twice", node.name),
                    });
                }
                ps.push(j);
            }
            check_noise(&node.name, &node.noise)?;
            let equation = match node.equation {
                EquationSpec::Unfitted => Equation::Unfitted,
                EquationSpec::Linear { intercept, coefs } => {
                    if coefs.len() != ps.len() {
                        return Err(ScmError::Shape {
                            what: format!("the coefficients of {:?}", node.name),
                            expected: ps.len(),
                            found: coefs.len(),
                        });
                    }
                    Equation::Linear { intercept, coefs }
                }
                EquationSpec::Expr(expr) => {
                    if expr.reads_value() {
                        return Err(ScmError::InvalidArgument {
                            name: "equation",
                            message: format!(
                                "the equation of {:?} reads value(); read parents with col(\"name\")",
                                node.name
                            ),
                        });
                    }
                    let allowed: Vec<String> = ps.iter().map(|&j| names[j].clone()).collect();
                    Equation::Expr(Arc::new(compile(&node.name, expr, &index, &allowed)?))
                }
                EquationSpec::External {
                    function,
                    takes_noise,
                } => Equation::External {
                    function,
                    takes_noise,
                },
            };
            parents.push(ps);
            equations.push(equation);
            noises.push(node.noise);
        }
        let order = topological_order(&names, &parents)?;
        Ok(Scm {
            names,
            index,
            parents,
            equations,
            noises,
            order,
            interventions: Vec::new(),
        })
    }

    pub fn names(&self) -> &[String] {
        &self.names
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The variables in a topological order (parents first).
    pub fn order(&self) -> Vec<&str> {
        self.order.iter().map(|&i| self.names[i].as_str()).collect()
    }

    /// The parents of every variable (after any hard intervention cut them).
    pub fn parents_of(&self, name: &str) -> Result<Vec<&str>, ScmError> {
        let i = self.position(name)?;
        Ok(self.parents[i]
            .iter()
            .map(|&j| self.names[j].as_str())
            .collect())
    }

    /// Every edge `(parent, child)` of the current model.
    pub fn edges(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (c, ps) in self.parents.iter().enumerate() {
            for &p in ps {
                out.push((self.names[p].clone(), self.names[c].clone()));
            }
        }
        out
    }

    pub fn equation(&self, name: &str) -> Result<&Equation, ScmError> {
        Ok(&self.equations[self.position(name)?])
    }

    pub fn noise(&self, name: &str) -> Result<&Noise, ScmError> {
        Ok(&self.noises[self.position(name)?])
    }

    /// The interventions applied so far, oldest first.
    pub fn interventions(&self) -> &[Intervention] {
        &self.interventions
    }

    pub(crate) fn position(&self, name: &str) -> Result<usize, ScmError> {
        self.index
            .get(name)
            .copied()
            .ok_or_else(|| ScmError::UnknownVariable {
                name: name.to_owned(),
                known: self.names.clone(),
            })
    }

    /// The printed structural equation of a variable, e.g.
    /// `y := 0.5 + 2 * x + U_y,  U_y ~ Normal(0, 1)`.
    pub fn describe(&self, name: &str) -> Result<String, ScmError> {
        let i = self.position(name)?;
        Ok(self.describe_at(i))
    }

    pub(crate) fn describe_at(&self, i: usize) -> String {
        let name = &self.names[i];
        let noise = &self.noises[i];
        let rhs = self.rhs(i, &self.equations[i]);
        let additive = match &self.equations[i] {
            Equation::Fixed(_) => return format!("{name} := {rhs}  (do)"),
            Equation::External {
                takes_noise: true, ..
            } => false,
            _ => true,
        };
        match (noise, additive) {
            (Noise::None, _) => format!("{name} := {rhs}"),
            (n, true) => format!("{name} := {rhs} + U_{name},  U_{name} ~ {}", noise_text(n)),
            (n, false) => format!("{name} := {rhs},  U_{name} ~ {}", noise_text(n)),
        }
    }

    fn rhs(&self, i: usize, equation: &Equation) -> String {
        match equation {
            Equation::Unfitted => "<linear, not fitted>".to_owned(),
            Equation::Linear { intercept, coefs } => {
                let mut s = short(*intercept);
                for (c, &p) in coefs.iter().zip(&self.parents[i]) {
                    let sign = if *c < 0.0 { '-' } else { '+' };
                    s.push_str(&format!(" {sign} {} * {}", short(c.abs()), self.names[p]));
                }
                s
            }
            Equation::Expr(c) => c.expr.to_string(),
            Equation::External {
                function,
                takes_noise,
            } => {
                let mut args: Vec<String> = self.parents[i]
                    .iter()
                    .map(|&p| self.names[p].clone())
                    .collect();
                if *takes_noise {
                    args.push(format!("U_{}", self.names[i]));
                }
                format!("{}({})", function.name(), args.join(", "))
            }
            Equation::Fixed(v) => format!("{v}"),
            Equation::Soft { base, expr } => {
                format!("{}  with value() = {}", expr.expr, self.rhs(i, base))
            }
        }
    }

    /// A new model with the interventions applied; `self` is unchanged. A
    /// hard intervention fixes the variable and cuts the edges into it; a
    /// soft one maps its old value through an expression over `value()`.
    pub fn intervene(&self, actions: &[(String, Action)]) -> Result<Scm, ScmError> {
        let mut out = self.clone();
        let mut seen = Vec::with_capacity(actions.len());
        for (name, action) in actions {
            let i = self.position(name)?;
            if seen.contains(&i) {
                return Err(ScmError::InvalidArgument {
                    name: "do",
                    message: format!("{name:?} is intervened on twice"),
                });
            }
            seen.push(i);
            match action {
                Action::Set(v) => {
                    if !v.is_finite() {
                        return Err(ScmError::InvalidArgument {
                            name: "do",
                            message: format!("do({name} = {v}): the value must be finite"),
                        });
                    }
                    let cut: Vec<(String, String)> = out.parents[i]
                        .iter()
                        .map(|&p| (out.names[p].clone(), name.clone()))
                        .collect();
                    out.parents[i].clear();
                    out.equations[i] = Equation::Fixed(*v);
                    out.noises[i] = Noise::None;
                    out.interventions.push(Intervention {
                        node: name.clone(),
                        description: format!("{name} = {v}"),
                        cut,
                    });
                }
                Action::Shift(expr) => {
                    if !expr.columns().is_empty() {
                        return Err(ScmError::InvalidArgument {
                            name: "do",
                            message: format!(
                                "a soft intervention on {name:?} reads only its old value (value()), not columns {:?}",
                                expr.columns()
                            ),
                        });
                    }
                    let compiled = compile(name, expr.clone(), &self.index, &[])?;
                    let base = std::mem::replace(&mut out.equations[i], Equation::Unfitted);
                    out.equations[i] = Equation::Soft {
                        base: Box::new(base),
                        expr: Arc::new(compiled),
                    };
                    out.interventions.push(Intervention {
                        node: name.clone(),
                        description: format!("{name} := {expr}"),
                        cut: Vec::new(),
                    });
                }
            }
        }
        out.order = topological_order(&out.names, &out.parents)?;
        Ok(out)
    }

    /// The variables whose value an intervention on `roots` can change:
    /// the roots and their descendants, in topological order.
    pub fn downstream(&self, roots: &[usize]) -> Vec<usize> {
        let mut hit = vec![false; self.names.len()];
        for &r in roots {
            if let Some(h) = hit.get_mut(r) {
                *h = true;
            }
        }
        let mut out = Vec::new();
        for &k in &self.order {
            if !hit[k] && self.parents[k].iter().any(|&p| hit[p]) {
                hit[k] = true;
            }
            if hit[k] {
                out.push(k);
            }
        }
        out
    }
}

impl fmt::Debug for Scm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scm")
            .field("variables", &self.names)
            .field("interventions", &self.interventions)
            .finish()
    }
}

/// A number with at most 6 significant digits, for printed equations.
fn short(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let magnitude = x.abs().log10().floor() as i32;
    let decimals = (5 - magnitude).clamp(0, 17) as usize;
    let s = format!("{x:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s
    }
}

fn noise_text(n: &Noise) -> String {
    match n {
        Noise::None => "none".to_owned(),
        Noise::Normal { mean, std } => format!("Normal({}, {})", short(*mean), short(*std)),
        Noise::Uniform { low, high } => format!("Uniform({}, {})", short(*low), short(*high)),
        Noise::Empirical(v) => format!("Empirical({} values)", v.len()),
    }
}

fn check_noise(name: &str, noise: &Noise) -> Result<(), ScmError> {
    let bad = |message: String| ScmError::InvalidArgument {
        name: "noise",
        message: format!("noise of {name:?}: {message}"),
    };
    match noise {
        Noise::None => Ok(()),
        Noise::Normal { mean, std } => {
            if !mean.is_finite() || !std.is_finite() || *std < 0.0 {
                Err(bad(format!(
                    "Normal({mean}, {std}) needs a finite mean and a finite std >= 0"
                )))
            } else {
                Ok(())
            }
        }
        Noise::Uniform { low, high } => {
            if !low.is_finite() || !high.is_finite() || low > high {
                Err(bad(format!(
                    "Uniform({low}, {high}) needs finite bounds with low <= high"
                )))
            } else {
                Ok(())
            }
        }
        Noise::Empirical(v) => {
            if v.is_empty() {
                Err(bad(
                    "an empirical distribution needs at least one value".into()
                ))
            } else if let Some(x) = v.iter().find(|x| !x.is_finite()) {
                Err(bad(format!(
                    "an empirical distribution holds the non-finite value {x}"
                )))
            } else {
                Ok(())
            }
        }
    }
}

fn compile(
    node: &str,
    expr: Expr,
    index: &HashMap<String, usize>,
    allowed: &[String],
) -> Result<CompiledExpr, ScmError> {
    let unsupported = |what: &str| {
        ScmError::InvalidArgument {
        name: "equation",
        message: format!(
            "the equation of {node:?} {what}; a structural equation reads its parents with col(\"name\")"
        ),
    }
    };
    if !expr.reads().is_empty() {
        return Err(unsupported("reads a context"));
    }
    if !expr.nodes().is_empty() {
        return Err(unsupported("reads graph nodes with node(id)"));
    }
    expr.check_depth()
        .map_err(|e| unsupported(&format!("is not usable ({e})")))?;
    for name in expr.columns() {
        if !allowed.contains(&name) {
            if !index.contains_key(&name) {
                return Err(ScmError::UnknownVariable {
                    name,
                    known: index_names(index),
                });
            }
            return Err(ScmError::NotAParent {
                node: node.to_owned(),
                read: name,
                parents: allowed.to_vec(),
            });
        }
    }
    let var = |name: &str| index.get(name).map(|&i| i as u32);
    let kernel = Kernel::compile(&expr, &var).map_err(|m| unsupported(&m))?;
    Ok(CompiledExpr { expr, kernel })
}

fn index_names(index: &HashMap<String, usize>) -> Vec<String> {
    let mut v: Vec<(usize, String)> = index.iter().map(|(k, &i)| (i, k.clone())).collect();
    v.sort();
    v.into_iter().map(|(_, k)| k).collect()
}

/// Kahn's algorithm; on a cycle, reports one cycle's path.
fn topological_order(names: &[String], parents: &[Vec<usize>]) -> Result<Vec<usize>, ScmError> {
    let n = names.len();
    let mut indegree: Vec<usize> = parents.iter().map(Vec::len).collect();
    let mut children = vec![Vec::new(); n];
    for (c, ps) in parents.iter().enumerate() {
        for &p in ps {
            children[p].push(c);
        }
    }
    let mut ready: std::collections::VecDeque<usize> =
        (0..n).filter(|&i| indegree[i] == 0).collect();
    let mut order = Vec::with_capacity(n);
    while let Some(i) = ready.pop_front() {
        order.push(i);
        for &c in &children[i] {
            indegree[c] -= 1;
            if indegree[c] == 0 {
                ready.push_back(c);
            }
        }
    }
    if order.len() == n {
        return Ok(order);
    }
    // Walk parents among the unresolved nodes until one repeats: that is a cycle.
    let start = (0..n).find(|&i| indegree[i] > 0).unwrap_or(0);
    let mut path = vec![start];
    let mut at = start;
    loop {
        let next = parents[at].iter().copied().find(|&p| indegree[p] > 0);
        let Some(p) = next else { break };
        if let Some(pos) = path.iter().position(|&q| q == p) {
            let mut cycle: Vec<String> = path[pos..]
                .iter()
                .rev()
                .map(|&q| names[q].clone())
                .collect();
            if let Some(first) = cycle.first().cloned() {
                cycle.push(first);
            }
            return Err(ScmError::Cycle { path: cycle });
        }
        path.push(p);
        at = p;
    }
    Err(ScmError::Cycle {
        path: path.iter().map(|&q| names[q].clone()).collect(),
    })
}

#[cfg(test)]
mod tests;
