//! The PC algorithm, stable (order-independent) variant.
//!
//! 1. **Skeleton.** Start from the complete undirected graph. At depth
//!    d = 0, 1, ... every ordered adjacent pair (x, y) is tested against every
//!    subset S of size d of x's neighbours (other than y), using the
//!    adjacencies as they stood when the depth began. An edge is dropped at the
//!    end of the depth if any test found `p > alpha`; its separating set is the
//!    union of every such S found from either endpoint. The tests of a depth run
//!    in parallel; the result does not depend on column order or threads.
//! 2. **Unshielded colliders.** For every unshielded triple x − y − z (x < z),
//!    visited by (y, x, z), y not in the separating set of x and z makes
//!    x → y ← z, unless x − y or z − y already points away from y (existing
//!    colliders take priority).
//! 3. **Meek rules** R1–R3 until nothing changes, never orienting an edge
//!    against an existing directed path.
//!
//! Steps 2 and 3 visit triples and kites in the same order as causal-learn's
//! PC with its defaults (`stable=True`, `uc_rule=0`, `uc_priority=2`), and keep
//! the same (partial) ancestor bookkeeping, so both return the same graph even
//! when conflicting colliders make the order matter.

use super::ci_test::{CiData, CiTest};
use crate::diagnostic::{cell_detail, shape_detail, Area, Detail, DetailSink, Diagnostic};
use rayon::prelude::*;

use super::error::non_finite_message;

/// Everything that can go wrong while learning a graph.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum PcError {
    #[error("{}", non_finite_message(.column, *.row, *.value))]
    NonFinite {
        column: String,
        row: usize,
        value: f64,
    },
    #[error(
        "column {column:?} is constant (every value is {value}); no independence test can use it"
    )]
    Constant { column: String, value: f64 },
    #[error("column {column:?} has {found} values; expected {expected} like the other columns")]
    Length {
        column: String,
        expected: usize,
        found: usize,
    },
    #[error("{rows} rows are too few for {test} tests with conditioning sets of size {depth}: at least {needed} are needed (lower max_depth or add rows)")]
    TooFewRows {
        rows: usize,
        depth: usize,
        needed: usize,
        test: &'static str,
    },
    #[error("{rows} rows are too few for max_lag {max_lag}: at least {needed} are needed (lower max_lag or add rows)")]
    TooFewRowsForLags {
        rows: usize,
        max_lag: usize,
        needed: usize,
    },
    #[error("the correlation matrix of columns {columns:?} is singular (a column is a linear combination of others); Fisher-z cannot test them")]
    Singular { columns: Vec<usize> },
    #[error("invalid {parameter}: {reason}")]
    InvalidArgument {
        parameter: &'static str,
        reason: String,
    },
    #[error("{}", super::missing::too_few_after_drop(*.used, *.dropped, .reason))]
    TooFewAfterDrop {
        used: usize,
        dropped: usize,
        reason: String,
    },
}

/// A named numeric column.
#[derive(Clone, Copy, Debug)]
pub struct PcColumn<'a> {
    pub name: &'a str,
    pub values: &'a [f64],
}

/// Settings of [`pc`].
#[derive(Clone, Copy, Debug)]
pub struct PcOptions {
    pub alpha: f64,
    pub test: CiTest,
    /// Largest conditioning set; `None` for no bound.
    pub max_depth: Option<usize>,
}

/// Edge marks in an n × n matrix: `mark(a, b)` is the mark at `a` on the edge
/// a − b: 0 no edge, -1 tail, 1 arrowhead. a → b is `mark(a, b) = -1`,
/// `mark(b, a) = 1`; a − b is -1 both ways.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Marks {
    n: usize,
    m: Vec<i8>,
}

pub const TAIL: i8 = -1;
pub const ARROW: i8 = 1;

impl Marks {
    pub fn empty(n: usize) -> Marks {
        Marks {
            n,
            m: vec![0; n * n],
        }
    }
    pub fn n(&self) -> usize {
        self.n
    }
    #[inline]
    pub fn get(&self, a: usize, b: usize) -> i8 {
        self.m[a * self.n + b]
    }
    #[inline]
    fn set(&mut self, a: usize, b: usize, v: i8) {
        self.m[a * self.n + b] = v;
    }
    pub fn adjacent(&self, a: usize, b: usize) -> bool {
        self.get(a, b) != 0
    }
    /// a → b
    pub fn directed(&self, a: usize, b: usize) -> bool {
        self.get(a, b) == TAIL && self.get(b, a) == ARROW
    }
    /// a − b
    pub fn undirected(&self, a: usize, b: usize) -> bool {
        self.get(a, b) == TAIL && self.get(b, a) == TAIL
    }
    pub fn set_directed(&mut self, a: usize, b: usize) {
        self.set(a, b, TAIL);
        self.set(b, a, ARROW);
    }
    pub fn set_undirected(&mut self, a: usize, b: usize) {
        self.set(a, b, TAIL);
        self.set(b, a, TAIL);
    }
    pub fn remove(&mut self, a: usize, b: usize) {
        self.set(a, b, 0);
        self.set(b, a, 0);
    }
    pub fn neighbours(&self, a: usize) -> Vec<usize> {
        (0..self.n).filter(|&b| self.adjacent(a, b)).collect()
    }
    /// Directed edges (a, b) for a → b and undirected edges (a, b) with a < b.
    pub fn edges(&self) -> (Vec<(usize, usize)>, Vec<(usize, usize)>) {
        let mut directed = Vec::new();
        let mut undirected = Vec::new();
        for a in 0..self.n {
            for b in a + 1..self.n {
                if self.undirected(a, b) {
                    undirected.push((a, b));
                } else if self.directed(a, b) {
                    directed.push((a, b));
                } else if self.directed(b, a) {
                    directed.push((b, a));
                }
            }
        }
        (directed, undirected)
    }
    /// The raw marks, row-major.
    pub fn as_slice(&self) -> &[i8] {
        &self.m
    }
}

/// The learned graph and how it was found.
#[derive(Clone, Debug, PartialEq)]
pub struct PcResult {
    pub marks: Marks,
    /// Separating sets of non-adjacent pairs (a < b), sorted.
    pub sepsets: Vec<((usize, usize), Vec<usize>)>,
    /// Number of conditional-independence tests run.
    pub tests: usize,
    /// The deepest conditioning-set size that was tested.
    pub depth: usize,
}

/// Checks lengths, finiteness, constancy and `alpha`; returns the row count.
pub(crate) fn validate_columns(
    columns: &[PcColumn<'_>],
    opts: &PcOptions,
) -> Result<usize, PcError> {
    if !(opts.alpha > 0.0 && opts.alpha < 1.0) {
        return Err(PcError::InvalidArgument {
            parameter: "alpha",
            reason: format!("must lie strictly between 0 and 1, got {}", opts.alpha),
        });
    }
    if columns.len() < 2 {
        return Err(PcError::InvalidArgument {
            parameter: "table",
            reason: format!("needs at least two columns, got {}", columns.len()),
        });
    }
    let rows = columns[0].values.len();
    for c in columns {
        if c.values.len() != rows {
            return Err(PcError::Length {
                column: c.name.to_string(),
                expected: rows,
                found: c.values.len(),
            });
        }
    }
    for c in columns {
        if let Some((row, &value)) = c.values.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(PcError::NonFinite {
                column: c.name.to_string(),
                row,
                value,
            });
        }
        if let Some(&first) = c.values.first() {
            if c.values.iter().all(|&v| v == first) {
                return Err(PcError::Constant {
                    column: c.name.to_string(),
                    value: first,
                });
            }
        }
    }
    let needed_for = |depth: usize| match opts.test {
        CiTest::FisherZ => depth + 4,
        _ => 2,
    };
    let depth = opts.max_depth.unwrap_or(0);
    if rows < needed_for(depth) {
        return Err(PcError::TooFewRows {
            rows,
            depth,
            needed: needed_for(depth),
            test: opts.test.name(),
        });
    }
    Ok(rows)
}

/// Calls `f` on every `k`-subset of `items`, in lexicographic order of positions;
/// stops early when `f` returns an error.
fn for_each_subset<E>(
    items: &[usize],
    k: usize,
    mut f: impl FnMut(&[usize]) -> Result<(), E>,
) -> Result<(), E> {
    let n = items.len();
    if k > n {
        return Ok(());
    }
    let mut idx: Vec<usize> = (0..k).collect();
    let mut subset: Vec<usize> = idx.iter().map(|&i| items[i]).collect();
    loop {
        f(&subset)?;
        let mut i = k;
        let pos = loop {
            if i == 0 {
                return Ok(());
            }
            i -= 1;
            if idx[i] < i + n - k {
                break i;
            }
        };
        idx[pos] += 1;
        for j in pos + 1..k {
            idx[j] = idx[j - 1] + 1;
        }
        for j in pos..k {
            subset[j] = items[idx[j]];
        }
    }
}

/// Outcome of testing one ordered pair at one depth.
struct PairOutcome {
    separated: bool,
    union: Vec<usize>,
    tests: usize,
}

/// Learns the skeleton: adjacency marks (all tails) and separating sets.
fn skeleton(
    data: &CiData,
    n: usize,
    opts: &PcOptions,
    candidate: &(dyn Fn(usize, usize) -> bool + Sync),
) -> Result<(Marks, Vec<Option<Vec<usize>>>, usize, usize), PcError> {
    let mut marks = Marks::empty(n);
    for a in 0..n {
        for b in 0..n {
            if a != b && candidate(a, b) {
                marks.set(a, b, TAIL);
            }
        }
    }
    let mut sepset: Vec<Option<Vec<usize>>> = vec![None; n * n];
    let mut tests = 0usize;
    let mut depth = 0usize;
    let mut deepest = 0usize;
    loop {
        let max_degree = (0..n)
            .map(|a| (0..n).filter(|&b| marks.adjacent(a, b)).count())
            .max()
            .unwrap_or(0);
        if max_degree < depth + 1 {
            break;
        }
        if let Some(limit) = opts.max_depth {
            if depth > limit {
                break;
            }
        }
        if opts.test == CiTest::FisherZ && data.rows() < depth + 4 {
            return Err(PcError::TooFewRows {
                rows: data.rows(),
                depth,
                needed: depth + 4,
                test: opts.test.name(),
            });
        }
        deepest = depth;
        let neighbours: Vec<Vec<usize>> = (0..n).map(|a| marks.neighbours(a)).collect();
        let pairs: Vec<(usize, usize)> = (0..n)
            .flat_map(|x| neighbours[x].iter().map(move |&y| (x, y)))
            .collect();
        let outcomes: Vec<Result<PairOutcome, PcError>> = pairs
            .par_iter()
            .map(|&(x, y)| {
                let others: Vec<usize> =
                    neighbours[x].iter().copied().filter(|&v| v != y).collect();
                let mut out = PairOutcome {
                    separated: false,
                    union: Vec::new(),
                    tests: 0,
                };
                for_each_subset(&others, depth, |s| {
                    out.tests += 1;
                    let p = data.p_value(opts.test, x, y, s)?;
                    if p > opts.alpha {
                        out.separated = true;
                        out.union.extend_from_slice(s);
                    }
                    Ok::<(), PcError>(())
                })?;
                Ok(out)
            })
            .collect();
        let mut removed = Vec::new();
        for (&(x, y), outcome) in pairs.iter().zip(outcomes) {
            let outcome = outcome?;
            tests += outcome.tests;
            if outcome.separated {
                let (a, b) = if x < y { (x, y) } else { (y, x) };
                let entry = sepset[a * n + b].get_or_insert_with(Vec::new);
                entry.extend(outcome.union);
                removed.push((a, b));
            }
        }
        for (a, b) in removed {
            marks.remove(a, b);
            if let Some(s) = sepset[a * n + b].as_mut() {
                s.sort_unstable();
                s.dedup();
            }
        }
        depth += 1;
    }
    Ok((marks, sepset, tests, deepest))
}

/// Ancestor bookkeeping kept exactly as causal-learn's graph keeps it:
/// `anc(a, b)` means b was recorded as an ancestor of a. Adding a → b records
/// a and a's recorded ancestors for b, and a for b's recorded descendants
/// (not a full transitive closure); removing a directed edge rebuilds it from
/// the remaining directed edges.
struct Ancestry {
    n: usize,
    d: Vec<u8>,
}

impl Ancestry {
    fn new(n: usize) -> Ancestry {
        let mut a = Ancestry {
            n,
            d: vec![0; n * n],
        };
        for i in 0..n {
            a.add(i, i);
        }
        a
    }
    fn get(&self, a: usize, b: usize) -> bool {
        self.d[a * self.n + b] == 1
    }
    /// Records the directed edge i → j.
    fn add(&mut self, i: usize, j: usize) {
        let n = self.n;
        self.d[j * n + i] = 1;
        for k in 0..n {
            if self.d[i * n + k] == 1 {
                self.d[j * n + k] = 1;
            }
            if self.d[k * n + j] == 1 {
                self.d[k * n + i] = 1;
            }
        }
    }
    fn rebuild(&mut self, marks: &Marks) {
        let n = self.n;
        *self = Ancestry::new(n);
        let mut edges = Vec::new();
        for i in 0..n {
            for j in i + 1..n {
                if marks.adjacent(i, j) {
                    edges.push((i, j));
                }
            }
        }
        for &(i, j) in edges.iter().rev() {
            if marks.directed(i, j) {
                self.add(i, j);
            } else if marks.directed(j, i) {
                self.add(j, i);
            }
        }
    }
    /// Whether `a` is recorded as an ancestor of `b`.
    fn is_ancestor(&self, a: usize, b: usize) -> bool {
        self.get(b, a)
    }
}

/// Orients `a → b` the way the reference graph does it: removing the old edge
/// (rebuilding the ancestry when it was directed) and adding the new one.
fn reorient(marks: &mut Marks, anc: &mut Ancestry, a: usize, b: usize) {
    let was_directed = marks.directed(a, b) || marks.directed(b, a);
    marks.remove(a, b);
    if was_directed {
        anc.rebuild(marks);
    }
    marks.set_directed(a, b);
    anc.add(a, b);
}

/// Position key of the ordered adjacency (u, v) in the reference order:
/// tails at v before arrowheads at v, then by v, then by u.
fn adj_key(marks: &Marks, u: usize, v: usize) -> (u8, usize, usize) {
    (u8::from(marks.get(v, u) != TAIL), v, u)
}

type TripleKey = ((u8, usize, usize), (u8, usize, usize));

/// Triples (i, j, k) with i − j − k adjacent, i ≠ k, in the reference order;
/// `shielded` picks triangles (i adjacent to k) or unshielded triples.
fn triples(marks: &Marks, shielded: bool) -> Vec<(usize, usize, usize)> {
    let n = marks.n();
    let mut out: Vec<(TripleKey, (usize, usize, usize))> = Vec::new();
    for j in 0..n {
        let nb = marks.neighbours(j);
        for &i in &nb {
            for &k in &nb {
                if i != k && marks.adjacent(i, k) == shielded {
                    out.push(((adj_key(marks, i, j), adj_key(marks, j, k)), (i, j, k)));
                }
            }
        }
    }
    out.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    out.into_iter().map(|(_, t)| t).collect()
}

/// Kites (i, j, k, l): triangles i-j-l and i-k-l with j < k, j and k not
/// adjacent, in the reference order (by the positions of both triangles).
fn kites(marks: &Marks, triangles: &[(usize, usize, usize)]) -> Vec<(usize, usize, usize, usize)> {
    let mut by_ends: std::collections::BTreeMap<(usize, usize), Vec<(usize, usize)>> =
        std::collections::BTreeMap::new();
    for (pos, &(i, j, l)) in triangles.iter().enumerate() {
        by_ends.entry((i, l)).or_default().push((pos, j));
    }
    let mut out = Vec::new();
    for (p0, &(i, j, l)) in triangles.iter().enumerate() {
        if let Some(list) = by_ends.get(&(i, l)) {
            for &(p1, k) in list {
                if j < k && !marks.adjacent(j, k) {
                    out.push(((p0, p1), (i, j, k, l)));
                }
            }
        }
    }
    out.sort_unstable_by_key(|e| e.0);
    out.into_iter().map(|(_, q)| q).collect()
}

/// Orients unshielded colliders (existing ones take priority), then applies
/// Meek's rules R1–R3.
fn orient(marks: &mut Marks, sepset: &[Option<Vec<usize>>]) {
    let n = marks.n();
    let mut anc = Ancestry::new(n);
    anc.rebuild(marks);
    let ut: Vec<(usize, usize, usize)> = triples(marks, false)
        .into_iter()
        .filter(|&(x, _, z)| x < z)
        .collect();
    for (x, y, z) in ut {
        let in_sepset = sepset[x * n + z]
            .as_ref()
            .is_some_and(|s| s.binary_search(&y).is_ok());
        if in_sepset {
            continue;
        }
        if !marks.directed(y, x) && !marks.directed(y, z) {
            reorient(marks, &mut anc, x, y);
            reorient(marks, &mut anc, z, y);
        }
    }
    meek(marks, &mut anc);
}

fn meek(marks: &mut Marks, anc: &mut Ancestry) {
    let ut = triples(marks, false);
    let tri = triples(marks, true);
    let kite = kites(marks, &tri);
    loop {
        let mut changed = false;
        for &(i, j, k) in &ut {
            if marks.directed(i, j) && marks.undirected(j, k) {
                if anc.is_ancestor(k, j) {
                    continue;
                }
                reorient(marks, anc, j, k);
                changed = true;
            }
        }
        for &(i, j, k) in &tri {
            if marks.directed(i, j) && marks.directed(j, k) && marks.undirected(i, k) {
                if anc.is_ancestor(k, i) {
                    continue;
                }
                reorient(marks, anc, i, k);
                changed = true;
            }
        }
        for &(i, j, k, l) in &kite {
            if marks.undirected(i, j)
                && marks.undirected(i, k)
                && marks.directed(j, l)
                && marks.directed(k, l)
                && marks.undirected(i, l)
            {
                if anc.is_ancestor(l, i) {
                    continue;
                }
                reorient(marks, anc, i, l);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
}

/// Applies Meek's rules R1–R3 to a partially directed graph (used to complete
/// a pattern and to enumerate the DAGs of an equivalence class).
pub fn meek_closure(marks: &mut Marks) {
    let mut anc = Ancestry::new(marks.n());
    anc.rebuild(marks);
    meek(marks, &mut anc);
}

/// Stable PC on named numeric columns. For `chisq` and `gsq`, each distinct
/// value of a column is a category.
pub fn pc(columns: &[PcColumn<'_>], opts: &PcOptions) -> Result<PcResult, PcError> {
    let rows = validate_columns(columns, opts)?;
    let n = columns.len();
    let values: Vec<&[f64]> = columns.iter().map(|c| c.values).collect();
    let data = match opts.test {
        CiTest::FisherZ => CiData::gaussian(&values, rows)?,
        CiTest::ChiSquare | CiTest::GSquare => CiData::discrete(&values, rows)?,
    };
    let (mut marks, sepset, tests, depth) = skeleton(&data, n, opts, &|_, _| true)?;
    orient(&mut marks, &sepset);
    let mut sepsets = Vec::new();
    for a in 0..n {
        for b in a + 1..n {
            if !marks.adjacent(a, b) {
                sepsets.push(((a, b), sepset[a * n + b].clone().unwrap_or_default()));
            }
        }
    }
    Ok(PcResult {
        marks,
        sepsets,
        tests,
        depth,
    })
}

/// Stable PC on a time window: node `lag * columns + v` is column `v` taken
/// `lag` rows before the present (lag 0..=max_lag). Only pairs with at least
/// one node in the present are candidate edges (older pairs repeat them);
/// an edge from the past to the present is directed forward in time, and
/// contemporaneous edges are oriented by colliders and Meek's rules with the
/// time order as background knowledge.
pub fn pc_lagged(
    columns: &[PcColumn<'_>],
    max_lag: usize,
    opts: &PcOptions,
) -> Result<PcResult, PcError> {
    pc_lagged_kept(columns, max_lag, opts, None)
}

/// [`pc_lagged`] on the windows that start at the rows `keep` (see
/// `missing.rs`: windows holding a missing value are left out), or on every
/// window.
pub(crate) fn pc_lagged_kept(
    columns: &[PcColumn<'_>],
    max_lag: usize,
    opts: &PcOptions,
    keep: Option<&[usize]>,
) -> Result<PcResult, PcError> {
    if columns.is_empty() {
        return Err(PcError::InvalidArgument {
            parameter: "table",
            reason: "needs at least one column".into(),
        });
    }
    let rows = columns[0].values.len();
    if rows <= max_lag + 1 {
        return Err(PcError::TooFewRowsForLags {
            rows,
            max_lag,
            needed: max_lag + 2,
        });
    }
    let v = columns.len();
    let window = keep.map_or(rows - max_lag, <[usize]>::len);
    let names: Vec<String> = (0..=max_lag)
        .flat_map(|lag| {
            columns.iter().map(move |c| {
                if lag == 0 {
                    format!("{}(t)", c.name)
                } else {
                    format!("{}(t-{lag})", c.name)
                }
            })
        })
        .collect();
    for c in columns {
        if c.values.len() != rows {
            return Err(PcError::Length {
                column: c.name.to_string(),
                expected: rows,
                found: c.values.len(),
            });
        }
    }
    let owned: Vec<Vec<f64>> = match keep {
        Some(k) => (0..=max_lag)
            .flat_map(|lag| {
                columns
                    .iter()
                    .map(move |c| super::missing::gather(c.values, k, max_lag - lag))
            })
            .collect::<Result<_, _>>()
            .map_err(super::missing::as_pc_error)?,
        None => Vec::new(),
    };
    let lagged: Vec<PcColumn<'_>> = (0..=max_lag)
        .flat_map(|lag| {
            let names = &names;
            let owned = &owned;
            columns.iter().enumerate().map(move |(i, c)| PcColumn {
                name: names[lag * v + i].as_str(),
                values: match owned.get(lag * v + i) {
                    Some(o) => o.as_slice(),
                    None => &c.values[max_lag - lag..max_lag - lag + window],
                },
            })
        })
        .collect();
    validate_columns(&lagged, opts)?;
    let n = lagged.len();
    let values: Vec<&[f64]> = lagged.iter().map(|c| c.values).collect();
    let data = match opts.test {
        CiTest::FisherZ => CiData::gaussian(&values, window)?,
        CiTest::ChiSquare | CiTest::GSquare => CiData::discrete(&values, window)?,
    };
    let present = |a: usize| a < v;
    let (mut marks, sepset, tests, depth) =
        skeleton(&data, n, opts, &|a, b| present(a) || present(b))?;
    for a in v..n {
        for b in 0..v {
            if marks.adjacent(a, b) {
                marks.set_directed(a, b);
            }
        }
    }
    orient(&mut marks, &sepset);
    let mut sepsets = Vec::new();
    for a in 0..n {
        for b in a + 1..n {
            if !marks.adjacent(a, b) {
                if let Some(s) = &sepset[a * n + b] {
                    sepsets.push(((a, b), s.clone()));
                }
            }
        }
    }
    Ok(PcResult {
        marks,
        sepsets,
        tests,
        depth,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::discover::test_data::normal;

    #[test]
    fn subsets_come_in_lexicographic_order() {
        let mut seen = Vec::new();
        for_each_subset(&[3, 5, 7, 9], 2, |s| {
            seen.push(s.to_vec());
            Ok::<(), ()>(())
        })
        .unwrap();
        assert_eq!(
            seen,
            vec![
                vec![3, 5],
                vec![3, 7],
                vec![3, 9],
                vec![5, 7],
                vec![5, 9],
                vec![7, 9]
            ]
        );
        let mut count = 0;
        for_each_subset(&[1, 2], 0, |_| {
            count += 1;
            Ok::<(), ()>(())
        })
        .unwrap();
        assert_eq!(count, 1);
    }

    #[test]
    fn lagged_pc_points_the_past_at_the_present() {
        // x(t) = 0.8 x(t-1) + e; y(t) = 0.7 x(t-1) + e
        let mut seed = 3;
        let n = 4000;
        let mut x = vec![0.0; n];
        let mut y = vec![0.0; n];
        for t in 1..n {
            x[t] = 0.8 * x[t - 1] + normal(&mut seed);
            y[t] = 0.7 * x[t - 1] + normal(&mut seed);
        }
        let cols = [
            PcColumn {
                name: "x",
                values: &x,
            },
            PcColumn {
                name: "y",
                values: &y,
            },
        ];
        let opts = PcOptions {
            alpha: 0.01,
            test: CiTest::FisherZ,
            max_depth: None,
        };
        let r = pc_lagged(&cols, 1, &opts).unwrap();
        // nodes: 0 x(t), 1 y(t), 2 x(t-1), 3 y(t-1)
        let (directed, undirected) = r.marks.edges();
        assert_eq!(directed, vec![(2, 0), (2, 1)]);
        assert!(undirected.is_empty());
    }
}

impl Diagnostic for PcError {
    fn area(&self) -> Area {
        match self {
            PcError::Length { .. } => Area::Core,
            _ => Area::Discovery,
        }
    }

    fn kind(&self) -> &'static str {
        use PcError::*;
        match self {
            // A NaN is a missing value: the one missing-value policy's class
            // (a subclass of both MissingValueError and NonFiniteError).
            NonFinite { value, .. } if value.is_nan() => "MissingValueError",
            NonFinite { .. } => "NonFiniteError",
            Constant { .. } => "ConstantColumnError",
            Length { .. } => "ShapeError",
            TooFewRows { .. } | TooFewRowsForLags { .. } | TooFewAfterDrop { .. } => {
                "TooFewSamplesError"
            }
            Singular { .. } => "SingularDataError",
            InvalidArgument { .. } => "DiscoverValueError",
        }
    }

    fn detail(&self, out: &mut DetailSink<'_>) {
        use PcError::*;
        match self {
            NonFinite { column, row, value } => cell_detail(out, column, Some(*row), *value),
            Constant { column, value } => cell_detail(out, column, None, *value),
            Length {
                column,
                expected,
                found,
            } => {
                out("column", Detail::Text(column));
                shape_detail(out, column, *expected, *found);
            }
            TooFewRows {
                rows,
                depth,
                needed,
                test,
            } => {
                out("samples", Detail::int(*rows));
                out("depth", Detail::int(*depth));
                out("needed", Detail::int(*needed));
                out("test", Detail::Text(test));
            }
            TooFewRowsForLags {
                rows,
                max_lag,
                needed,
            } => {
                out("samples", Detail::int(*rows));
                out("max_lag", Detail::int(*max_lag));
                out("needed", Detail::int(*needed));
            }
            Singular { columns } => out("columns", Detail::Ints(columns)),
            InvalidArgument { parameter, .. } => out("parameter", Detail::Text(parameter)),
            TooFewAfterDrop { used, dropped, .. } => {
                out("samples", Detail::int(*used));
                out("dropped", Detail::int(*dropped));
            }
        }
    }
}
