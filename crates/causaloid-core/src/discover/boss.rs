//! Best order score search (BOSS, Andrews et al. 2023): a search over
//! variable orders. Given an order, each variable takes its parents among
//! its predecessors by grow-shrink (add the predecessor that raises the local
//! score most while one does, then remove the one whose removal raises it
//! most while one does); the order's score is the sum. A pass moves every
//! variable, in turn, to the position that maximises the order's score;
//! passes repeat until none improves it. The DAG of the best order is turned
//! into its CPDAG and pruned by the backward phase of GES (BES).
//!
//! Moving one variable needs three grow-shrinks per position (the variable
//! itself, and every other variable with and without it before); those run
//! in parallel. Variables are visited in column order and ties keep the
//! current position (then the earliest), so the result is deterministic.

use super::cpdag::Cpdag;
use super::ges::{backward, make_scorer, total_score, GesOptions};
use super::pc::{PcColumn, PcError};
use super::score::LocalScore;
use rayon::prelude::*;

/// What [`boss`] found.
#[derive(Clone, Debug, PartialEq)]
pub struct BossResult {
    pub graph: Cpdag,
    /// Score of the learned class.
    pub score: f64,
    /// The best order found.
    pub order: Vec<usize>,
    /// Passes over the variables (the last one moved nothing).
    pub passes: usize,
}

/// Score and parents of `v` chosen among `prefix` by grow-shrink.
fn grow_shrink(score: &dyn LocalScore, v: usize, prefix: &[usize]) -> (f64, Vec<usize>) {
    let mut parents: Vec<usize> = Vec::new();
    let mut current = score.local(v, &parents);
    let mut candidates: Vec<usize> = prefix.to_vec();
    candidates.sort_unstable();
    loop {
        let mut best: Option<(f64, usize)> = None;
        for &c in &candidates {
            if parents.contains(&c) {
                continue;
            }
            let mut trial = parents.clone();
            trial.push(c);
            trial.sort_unstable();
            let s = score.local(v, &trial);
            if s > current && best.is_none_or(|(b, _)| s > b) {
                best = Some((s, c));
            }
        }
        match best {
            Some((s, c)) => {
                current = s;
                parents.push(c);
                parents.sort_unstable();
            }
            None => break,
        }
    }
    loop {
        let mut best: Option<(f64, usize)> = None;
        for &c in &parents {
            let trial: Vec<usize> = parents.iter().copied().filter(|&p| p != c).collect();
            let s = score.local(v, &trial);
            if s > current && best.is_none_or(|(b, _)| s > b) {
                best = Some((s, c));
            }
        }
        match best {
            Some((s, c)) => {
                current = s;
                parents.retain(|&p| p != c);
            }
            None => break,
        }
    }
    (current, parents)
}

/// Moves `v` to its best position in `order`; whether that improved the score.
fn better_mutation(score: &dyn LocalScore, v: usize, order: &mut Vec<usize>) -> bool {
    let Some(at) = order.iter().position(|&w| w == v) else {
        return false;
    };
    let others: Vec<usize> = order.iter().copied().filter(|&w| w != v).collect();
    let m = others.len();
    // without[k] / with[k]: others[k] given the others before it, without or with v too.
    let (without, with): (Vec<f64>, Vec<f64>) = (0..m)
        .into_par_iter()
        .map(|k| {
            let mut prefix = others[..k].to_vec();
            let a = grow_shrink(score, others[k], &prefix).0;
            prefix.push(v);
            let b = grow_shrink(score, others[k], &prefix).0;
            (a, b)
        })
        .unzip();
    let own: Vec<f64> = (0..=m)
        .into_par_iter()
        .map(|j| grow_shrink(score, v, &others[..j]).0)
        .collect();
    let mut before = 0.0;
    let mut after: f64 = with.iter().sum();
    let mut totals = Vec::with_capacity(m + 1);
    for j in 0..=m {
        totals.push(own[j] + before + after);
        if j < m {
            before += without[j];
            after -= with[j];
        }
    }
    let mut best = at;
    for (j, &t) in totals.iter().enumerate() {
        if t > totals[best] + 1e-9 * (1.0 + totals[best].abs()) {
            best = j;
        }
    }
    if best == at {
        return false;
    }
    let mut moved = others;
    moved.insert(best, v);
    *order = moved;
    true
}

/// BOSS on numeric columns (linear-Gaussian BIC) or categorical ones (BDeu),
/// with the settings of GES (score, penalty, and `max_subset` for BES).
pub fn boss(columns: &[PcColumn<'_>], opts: &GesOptions) -> Result<BossResult, PcError> {
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
    let score = scorer.as_ref();
    let mut order: Vec<usize> = (0..vars).collect();
    let mut passes = 0;
    // Each improving pass raises the score; the bound only guards against
    // cycling on rounding.
    let pass_limit = 4 * vars + 8;
    loop {
        passes += 1;
        let mut improved = false;
        for v in 0..vars {
            improved |= better_mutation(score, v, &mut order);
        }
        if !improved || passes >= pass_limit {
            break;
        }
    }
    let mut edges = Vec::new();
    for (i, &v) in order.iter().enumerate() {
        let (_, parents) = grow_shrink(score, v, &order[..i]);
        edges.extend(parents.into_iter().map(|p| (p, v)));
    }
    let dag = Cpdag::of_dag(vars, &edges)?;
    let (marks, _) = backward(dag.marks().clone(), score, opts)?;
    let total = total_score(&marks, score);
    Ok(BossResult {
        graph: Cpdag::from_marks(marks),
        score: total,
        order,
        passes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::discover::test_data::normal;

    #[test]
    fn boss_finds_a_collider_and_its_consequence_from_any_column_order() {
        let mut seed = 3;
        let n = 5000;
        let (mut a, mut b, mut c, mut d) = (vec![], vec![], vec![], vec![]);
        for _ in 0..n {
            let x = normal(&mut seed);
            let y = normal(&mut seed);
            let z = x - y + normal(&mut seed);
            let w = 1.5 * z + normal(&mut seed);
            a.push(x);
            b.push(y);
            c.push(z);
            d.push(w);
        }
        // Columns given child-first: the search must reorder them.
        let cols = [
            PcColumn {
                name: "d",
                values: &d,
            },
            PcColumn {
                name: "c",
                values: &c,
            },
            PcColumn {
                name: "b",
                values: &b,
            },
            PcColumn {
                name: "a",
                values: &a,
            },
        ];
        let r = boss(&cols, &GesOptions::default()).expect("learns");
        // c -> d, a -> c, b -> c in positions: d=0, c=1, b=2, a=3.
        let (mut directed, undirected) = r.graph.edges();
        directed.sort_unstable();
        assert_eq!(directed, vec![(1, 0), (2, 1), (3, 1)]);
        assert!(undirected.is_empty());
        // From this start no single move helps (every order reachable in one
        // move implies extra edges); BES then removes the extra edge a - b.
        let mut order = r.order.clone();
        order.sort_unstable();
        assert_eq!(order, vec![0, 1, 2, 3]);
        assert!(r.passes >= 1 && r.score.is_finite());
    }

    #[test]
    fn boss_refuses_a_bad_penalty() {
        let v = [1.0, 2.0, 3.0, 5.0, 4.0];
        let cols = [
            PcColumn {
                name: "a",
                values: &v,
            },
            PcColumn {
                name: "b",
                values: &v,
            },
        ];
        let opts = GesOptions {
            penalty: -1.0,
            ..GesOptions::default()
        };
        assert!(matches!(
            boss(&cols, &opts),
            Err(PcError::InvalidArgument {
                parameter: "penalty",
                ..
            })
        ));
    }
}
