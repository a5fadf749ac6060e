//! Greedy equivalence search (GES, Chickering 2002) with the linear-Gaussian
//! BIC score: starting from the empty graph, the forward phase applies the
//! single edge insertion (with its set T of reoriented neighbours) that raises
//! the score most, until none does; the backward phase then applies the best
//! deletions. Each step moves between CPDAGs: the modified pattern is extended
//! to a DAG (Dor & Tarsi) and turned back into its CPDAG. Candidate operators
//! are scored in parallel; ties go to the lowest (x, y, set), so the result is
//! deterministic.

use super::ci_test::CiData;
use super::cpdag::Cpdag;
use super::pc::{Marks, PcColumn, PcError};
use super::score::{Bdeu, LocalScore};
use rayon::prelude::*;

/// The score GES maximises.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum GesScore {
    /// Linear-Gaussian BIC of numeric columns.
    Bic,
    /// BDeu of categorical columns (each distinct value a category), with
    /// the equivalent sample size and the expected number of parents.
    Bdeu {
        sample_prior: f64,
        structure_prior: f64,
    },
}

impl GesScore {
    /// The score named `"bic"` or `"bdeu"` (the priors are BDeu's).
    pub fn from_name(
        name: &str,
        sample_prior: f64,
        structure_prior: f64,
    ) -> Result<GesScore, PcError> {
        match name {
            "bic" => Ok(GesScore::Bic),
            "bdeu" => Ok(GesScore::Bdeu {
                sample_prior,
                structure_prior,
            }),
            other => Err(PcError::InvalidArgument {
                parameter: "score",
                reason: format!("expected \"bic\" or \"bdeu\", got {other:?}"),
            }),
        }
    }
}

/// Settings of [`ges`].
#[derive(Clone, Copy, Debug)]
pub struct GesOptions {
    /// Multiplies the BIC penalty (1 is the usual BIC); unused by BDeu.
    pub penalty: f64,
    /// Most neighbours a reoriented set T or deleted set H may be drawn from
    /// (2^limit subsets are scored); larger sets are searched up to this size.
    pub max_subset: usize,
    pub score: GesScore,
}

impl Default for GesOptions {
    fn default() -> Self {
        GesOptions {
            penalty: 1.0,
            max_subset: 10,
            score: GesScore::Bic,
        }
    }
}

/// The learned CPDAG and its score.
#[derive(Clone, Debug, PartialEq)]
pub struct GesResult {
    pub graph: Cpdag,
    pub score: f64,
    pub insertions: usize,
    pub deletions: usize,
}

/// Linear-Gaussian BIC from the covariance matrix.
struct Bic {
    cov: Vec<f64>,
    vars: usize,
    rows: f64,
    penalty: f64,
}

impl LocalScore for Bic {
    /// Log-likelihood term minus penalty of `y` regressed on `parents`.
    fn local(&self, y: usize, parents: &[usize]) -> f64 {
        let k = parents.len();
        let v = self.vars;
        let mut resid = self.cov[y * v + y];
        if k > 0 {
            // Cholesky of the parents' covariance, then the explained variance.
            let mut l = vec![0.0; k * k];
            for i in 0..k {
                for j in 0..=i {
                    let mut sum = self.cov[parents[i] * v + parents[j]];
                    for m in 0..j {
                        sum -= l[i * k + m] * l[j * k + m];
                    }
                    if i == j {
                        if sum <= 0.0 {
                            return f64::NEG_INFINITY;
                        }
                        l[i * k + i] = sum.sqrt();
                    } else {
                        l[i * k + j] = sum / l[j * k + j];
                    }
                }
            }
            let mut z = vec![0.0; k];
            for i in 0..k {
                let mut sum = self.cov[parents[i] * v + y];
                for m in 0..i {
                    sum -= l[i * k + m] * z[m];
                }
                z[i] = sum / l[i * k + i];
            }
            resid -= z.iter().map(|a| a * a).sum::<f64>();
        }
        if resid <= 0.0 || !resid.is_finite() {
            return f64::NEG_INFINITY;
        }
        -0.5 * self.rows * resid.ln() - 0.5 * self.penalty * self.rows.ln() * k as f64
    }
}

fn parents_of(m: &Marks, y: usize) -> Vec<usize> {
    (0..m.n()).filter(|&p| m.directed(p, y)).collect()
}

fn undirected_neighbours(m: &Marks, y: usize) -> Vec<usize> {
    (0..m.n()).filter(|&t| m.undirected(t, y)).collect()
}

fn is_clique(m: &Marks, nodes: &[usize]) -> bool {
    nodes
        .iter()
        .enumerate()
        .all(|(i, &a)| nodes[i + 1..].iter().all(|&b| m.adjacent(a, b)))
}

/// Whether every semi-directed path from `from` to `to` meets `block`.
fn blocked(m: &Marks, from: usize, to: usize, block: &[usize]) -> bool {
    let n = m.n();
    let mut seen = vec![false; n];
    for &b in block {
        seen[b] = true;
    }
    seen[from] = true;
    let mut stack = vec![from];
    while let Some(a) = stack.pop() {
        for b in 0..n {
            if !seen[b] && (m.undirected(a, b) || m.directed(a, b)) {
                if b == to {
                    return false;
                }
                seen[b] = true;
                stack.push(b);
            }
        }
    }
    true
}

fn subsets(items: &[usize], max_size: usize) -> Vec<Vec<usize>> {
    let mut out = vec![Vec::new()];
    for &item in items {
        let grown: Vec<Vec<usize>> = out
            .iter()
            .filter(|s| s.len() < max_size)
            .map(|s| {
                let mut t = s.clone();
                t.push(item);
                t
            })
            .collect();
        out.extend(grown);
    }
    out.sort_by(|a, b| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
    out
}

fn union_sorted(parts: &[&[usize]]) -> Vec<usize> {
    let mut v: Vec<usize> = parts.iter().flat_map(|p| p.iter().copied()).collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// A DAG orienting every undirected edge of the pattern without new colliders
/// or cycles (Dor & Tarsi), as its directed edges; `None` if there is none.
fn extend_to_dag(pattern: &Marks) -> Option<Vec<(usize, usize)>> {
    let n = pattern.n();
    let mut m = pattern.clone();
    let mut alive = vec![true; n];
    let mut dag = Vec::new();
    for _ in 0..n {
        let sink = (0..n).find(|&v| {
            if !alive[v] || (0..n).any(|w| alive[w] && m.directed(v, w)) {
                return false;
            }
            let adj: Vec<usize> = (0..n).filter(|&w| alive[w] && m.adjacent(v, w)).collect();
            adj.iter()
                .filter(|&&u| m.undirected(u, v))
                .all(|&u| adj.iter().all(|&w| w == u || m.adjacent(u, w)))
        })?;
        for w in 0..n {
            if alive[w] && m.adjacent(sink, w) {
                dag.push((w, sink));
                m.remove(sink, w);
            }
        }
        alive[sink] = false;
    }
    dag.sort_unstable();
    Some(dag)
}

/// The CPDAG of the pattern's consistent extension.
fn complete(pattern: &Marks) -> Result<Marks, PcError> {
    let dag = extend_to_dag(pattern).ok_or_else(|| PcError::InvalidArgument {
        parameter: "table",
        reason: "an operator produced a pattern with no consistent DAG".into(),
    })?;
    Ok(Cpdag::of_dag(pattern.n(), &dag)?.marks().clone())
}

#[derive(Clone, Debug)]
struct Move {
    delta: f64,
    x: usize,
    y: usize,
    set: Vec<usize>,
}

fn better(a: Option<Move>, b: Option<Move>) -> Option<Move> {
    match (a, b) {
        (None, b) => b,
        (a, None) => a,
        (Some(a), Some(b)) => {
            let key = |m: &Move| (m.x, m.y, m.set.clone());
            if b.delta > a.delta || (b.delta == a.delta && key(&b) < key(&a)) {
                Some(b)
            } else {
                Some(a)
            }
        }
    }
}

fn best_insert(m: &Marks, bic: &dyn LocalScore, opts: &GesOptions) -> Option<Move> {
    let n = m.n();
    let pairs: Vec<(usize, usize)> = (0..n)
        .flat_map(|x| (0..n).map(move |y| (x, y)))
        .filter(|&(x, y)| x != y && !m.adjacent(x, y))
        .collect();
    pairs
        .par_iter()
        .map(|&(x, y)| {
            let neighbours = undirected_neighbours(m, y);
            let na: Vec<usize> = neighbours
                .iter()
                .copied()
                .filter(|&t| m.adjacent(t, x))
                .collect();
            let free: Vec<usize> = neighbours
                .iter()
                .copied()
                .filter(|&t| !m.adjacent(t, x))
                .collect();
            let parents = parents_of(m, y);
            let mut best: Option<Move> = None;
            for t in subsets(&free, opts.max_subset) {
                let cond = union_sorted(&[&na, &t]);
                if !is_clique(m, &cond) || !blocked(m, y, x, &cond) {
                    continue;
                }
                let base = union_sorted(&[&parents, &cond]);
                let with_x = union_sorted(&[&base, &[x]]);
                let delta = bic.local(y, &with_x) - bic.local(y, &base);
                if delta.is_finite() && delta > 0.0 {
                    best = better(
                        best,
                        Some(Move {
                            delta,
                            x,
                            y,
                            set: t,
                        }),
                    );
                }
            }
            best
        })
        .reduce(|| None, better)
}

fn best_delete(m: &Marks, bic: &dyn LocalScore, opts: &GesOptions) -> Option<Move> {
    let n = m.n();
    let pairs: Vec<(usize, usize)> = (0..n)
        .flat_map(|x| (0..n).map(move |y| (x, y)))
        .filter(|&(x, y)| m.directed(x, y) || m.undirected(x, y))
        .collect();
    pairs
        .par_iter()
        .map(|&(x, y)| {
            let na: Vec<usize> = undirected_neighbours(m, y)
                .into_iter()
                .filter(|&t| t != x && m.adjacent(t, x))
                .collect();
            let parents: Vec<usize> = parents_of(m, y).into_iter().filter(|&p| p != x).collect();
            let mut best: Option<Move> = None;
            for h in subsets(&na, opts.max_subset) {
                let rest: Vec<usize> = na.iter().copied().filter(|t| !h.contains(t)).collect();
                if !is_clique(m, &rest) {
                    continue;
                }
                let base = union_sorted(&[&parents, &rest]);
                let with_x = union_sorted(&[&base, &[x]]);
                let delta = bic.local(y, &base) - bic.local(y, &with_x);
                if delta.is_finite() && delta > 0.0 {
                    best = better(
                        best,
                        Some(Move {
                            delta,
                            x,
                            y,
                            set: h,
                        }),
                    );
                }
            }
            best
        })
        .reduce(|| None, better)
}

/// The covariance matrix (divided by n) of validated numeric columns.
fn bic_of(columns: &[PcColumn<'_>], rows: usize) -> Result<Bic, PcError> {
    let vars = columns.len();
    let cells = vars.checked_mul(vars).ok_or(PcError::InvalidArgument {
        parameter: "table",
        reason: "too many columns".into(),
    })?;
    let mut cov = Vec::new();
    cov.try_reserve_exact(cells)
        .map_err(|_| PcError::InvalidArgument {
            parameter: "table",
            reason: format!("cannot allocate the {vars} x {vars} covariance matrix"),
        })?;
    cov.resize(cells, 0.0);
    let means: Vec<f64> = columns
        .iter()
        .map(|c| c.values.iter().sum::<f64>() / rows as f64)
        .collect();
    cov.par_chunks_mut(vars).enumerate().for_each(|(i, row)| {
        for (j, cell) in row.iter_mut().enumerate() {
            *cell = columns[i]
                .values
                .iter()
                .zip(columns[j].values.iter())
                .map(|(a, b)| (a - means[i]) * (b - means[j]))
                .sum::<f64>()
                / rows as f64;
        }
    });
    Ok(Bic {
        cov,
        vars,
        rows: rows as f64,
        penalty: 1.0,
    })
}

impl Bic {
    fn with_penalty(self, penalty: f64) -> Bic {
        Bic { penalty, ..self }
    }
}

/// The score `opts` asks for, prepared from validated columns.
pub(crate) fn make_scorer(
    columns: &[PcColumn<'_>],
    rows: usize,
    opts: &GesOptions,
) -> Result<Box<dyn LocalScore>, PcError> {
    Ok(match opts.score {
        GesScore::Bic => Box::new(bic_of(columns, rows)?.with_penalty(opts.penalty)),
        GesScore::Bdeu {
            sample_prior,
            structure_prior,
        } => {
            for (parameter, value) in [
                ("sample_prior", sample_prior),
                ("structure_prior", structure_prior),
            ] {
                if !(value > 0.0 && value.is_finite()) {
                    return Err(PcError::InvalidArgument {
                        parameter,
                        reason: format!("must be a positive number, got {value}"),
                    });
                }
            }
            let values: Vec<&[f64]> = columns.iter().map(|c| c.values).collect();
            match CiData::discrete(&values, rows)? {
                CiData::Discrete { codes, levels, .. } => Box::new(Bdeu {
                    codes,
                    levels,
                    rows,
                    sample_prior,
                    structure_prior,
                }),
                CiData::Gaussian { .. } => {
                    return Err(PcError::InvalidArgument {
                        parameter: "score",
                        reason: "categorical coding failed".into(),
                    })
                }
            }
        }
    })
}

/// The backward phase: apply the best deletion while one raises the score.
pub(crate) fn backward(
    mut m: Marks,
    bic: &dyn LocalScore,
    opts: &GesOptions,
) -> Result<(Marks, usize), PcError> {
    let step_limit = m.n() * m.n() + 1;
    let mut deletions = 0;
    while let Some(mv) = best_delete(&m, bic, opts) {
        m.remove(mv.x, mv.y);
        for &h in &mv.set {
            if m.undirected(mv.y, h) {
                m.set_directed(mv.y, h);
            }
            if m.undirected(mv.x, h) {
                m.set_directed(mv.x, h);
            }
        }
        m = complete(&m)?;
        deletions += 1;
        if deletions > step_limit {
            break;
        }
    }
    Ok((m, deletions))
}

/// The score of the class (of any of its DAGs).
pub(crate) fn total_score(m: &Marks, bic: &dyn LocalScore) -> f64 {
    (0..m.n())
        .map(|y| bic.local(y, &parents_of_dag(m, y)))
        .sum()
}

/// Greedy equivalence search on numeric columns (linear-Gaussian BIC) or
/// categorical ones (BDeu).
pub fn ges(columns: &[PcColumn<'_>], opts: &GesOptions) -> Result<GesResult, PcError> {
    if !(opts.penalty > 0.0 && opts.penalty.is_finite()) {
        return Err(PcError::InvalidArgument {
            parameter: "penalty",
            reason: format!("must be a positive number, got {}", opts.penalty),
        });
    }
    let probe = super::pc::PcOptions {
        alpha: 0.5,
        test: super::ci_test::CiTest::FisherZ,
        max_depth: None,
    };
    let rows = super::pc::validate_columns(columns, &probe)?;
    let vars = columns.len();
    let scorer = make_scorer(columns, rows, opts)?;
    let bic = scorer.as_ref();
    let mut m = Marks::empty(vars);
    let mut insertions = 0;
    let step_limit = vars * vars + 1;
    while let Some(mv) = best_insert(&m, bic, opts) {
        m.set_directed(mv.x, mv.y);
        for &t in &mv.set {
            m.set_directed(t, mv.y);
        }
        m = complete(&m)?;
        insertions += 1;
        if insertions > step_limit {
            break;
        }
    }
    let (m, deletions) = backward(m, bic, opts)?;
    let score = total_score(&m, bic);
    Ok(GesResult {
        graph: Cpdag::from_marks(m),
        score,
        insertions,
        deletions,
    })
}

/// Parents of `y` in the first DAG of the class (the score is the same for all).
fn parents_of_dag(m: &Marks, y: usize) -> Vec<usize> {
    match extend_to_dag(m) {
        Some(dag) => dag.iter().filter(|e| e.1 == y).map(|e| e.0).collect(),
        None => parents_of(m, y),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::discover::test_data::normal;

    #[test]
    fn ges_finds_a_collider_and_its_consequence() {
        let mut seed = 7;
        let n = 5000;
        let (mut a, mut b, mut c, mut d) = (vec![], vec![], vec![], vec![]);
        for _ in 0..n {
            let x = normal(&mut seed);
            let y = normal(&mut seed);
            let z = x + y + normal(&mut seed);
            let w = 1.5 * z + normal(&mut seed);
            a.push(x);
            b.push(y);
            c.push(z);
            d.push(w);
        }
        let cols = [
            PcColumn {
                name: "a",
                values: &a,
            },
            PcColumn {
                name: "b",
                values: &b,
            },
            PcColumn {
                name: "c",
                values: &c,
            },
            PcColumn {
                name: "d",
                values: &d,
            },
        ];
        let r = ges(&cols, &GesOptions::default()).unwrap();
        assert_eq!(r.graph.edges(), (vec![(0, 2), (1, 2), (2, 3)], vec![]));
    }

    #[test]
    fn the_dag_extension_keeps_colliders_out() {
        let g = Cpdag::new(3, &[], &[(0, 1), (1, 2)]).unwrap();
        let dag = extend_to_dag(g.marks()).unwrap();
        assert_ne!(dag, vec![(0, 1), (2, 1)]);
        assert_eq!(dag.len(), 2);
    }
}
