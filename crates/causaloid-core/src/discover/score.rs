//! Local scores of a node given its parents, for score-based search (GES):
//! the trait both scores implement and the discrete BDeu score. (The
//! linear-Gaussian BIC lives with GES, which computes it from the covariance.)
//!
//! BDeu (Heckerman, Geiger & Chickering 1995) is the log marginal likelihood of
//! a categorical node under a Dirichlet prior of equivalent sample size `a`
//! spread uniformly over the `r · q` cells (r states, q parent
//! configurations), plus a structure prior in which each of the other
//! `v - 1` variables is a parent independently with probability
//! `p = min(structure_prior / (v - 1), 1/2)` (the cap keeps the empty parent
//! set possible on two columns):
//!
//! ```text
//! |Pa| ln p + (v-1-|Pa|) ln(1-p)
//!   + Σ_j [ lnΓ(a/q) - lnΓ(N_j + a/q) + Σ_k ( lnΓ(N_jk + a/(r q)) - lnΓ(a/(r q)) ) ]
//! ```
//!
//! Configurations never observed contribute nothing, so only the observed
//! ones are counted (by sorting, so any number of parents and levels fits).

use super::ci_test::ln_gamma;

/// A decomposable score: the total is the sum of `local` over the nodes.
pub(crate) trait LocalScore: Sync {
    /// Score of `y` with exactly `parents` (sorted, without `y`); higher is better.
    fn local(&self, y: usize, parents: &[usize]) -> f64;
}

/// The BDeu score of categorical columns coded `0..levels`.
pub(crate) struct Bdeu {
    pub codes: Vec<Vec<u32>>,
    pub levels: Vec<usize>,
    pub rows: usize,
    pub sample_prior: f64,
    pub structure_prior: f64,
}

impl Bdeu {
    /// Dense ids `0..count` of the parent configuration of every row.
    fn configurations(&self, parents: &[usize]) -> (Vec<u64>, u64) {
        let mut ids = vec![0u64; self.rows];
        let mut count = 1u64;
        for &p in parents {
            let levels = self.levels[p] as u64;
            let mut keyed: Vec<(u64, usize)> = ids
                .iter()
                .zip(&self.codes[p])
                .enumerate()
                .map(|(row, (&id, &code))| (id * levels + u64::from(code), row))
                .collect();
            keyed.sort_unstable();
            count = 0;
            let mut last = None;
            for (key, row) in keyed {
                if last != Some(key) {
                    last = Some(key);
                    count += 1;
                }
                ids[row] = count - 1;
            }
        }
        (ids, count)
    }

    fn structure_term(&self, parents: usize) -> f64 {
        let others = self.codes.len().saturating_sub(1);
        if others == 0 {
            return 0.0;
        }
        let p = (self.structure_prior / others as f64).min(0.5);
        let term = |count: usize, prob: f64| {
            if count == 0 {
                0.0
            } else {
                count as f64 * prob.ln()
            }
        };
        term(parents, p) + term(others.saturating_sub(parents), 1.0 - p)
    }
}

impl LocalScore for Bdeu {
    fn local(&self, y: usize, parents: &[usize]) -> f64 {
        let q: f64 = parents.iter().map(|&p| self.levels[p] as f64).product();
        let r = self.levels[y] as f64;
        let (a_j, a_jk) = (self.sample_prior / q, self.sample_prior / (r * q));
        let (ids, _) = self.configurations(parents);
        let mut cells: Vec<(u64, u32)> = ids
            .iter()
            .zip(&self.codes[y])
            .map(|(&id, &code)| (id, code))
            .collect();
        cells.sort_unstable();
        let mut score = self.structure_term(parents.len());
        let (lg_aj, lg_ajk) = (ln_gamma(a_j), ln_gamma(a_jk));
        let mut i = 0;
        while i < cells.len() {
            let config = cells[i].0;
            let mut n_j = 0usize;
            while i < cells.len() && cells[i].0 == config {
                let cell = cells[i];
                let mut n_jk = 0usize;
                while i < cells.len() && cells[i] == cell {
                    n_jk += 1;
                    i += 1;
                }
                n_j += n_jk;
                score += ln_gamma(n_jk as f64 + a_jk) - lg_ajk;
            }
            score += lg_aj - ln_gamma(n_j as f64 + a_j);
        }
        score
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bdeu(codes: Vec<Vec<u32>>) -> Bdeu {
        let levels = codes
            .iter()
            .map(|c| c.iter().max().map_or(1, |m| *m as usize + 1))
            .collect();
        let rows = codes[0].len();
        Bdeu {
            codes,
            levels,
            rows,
            sample_prior: 1.0,
            structure_prior: 1.0,
        }
    }

    #[test]
    fn bdeu_of_a_root_is_the_dirichlet_marginal_likelihood() {
        // Three binary columns; x has counts (3, 1). With a = 1 and q = 1:
        // lnΓ(1) - lnΓ(5) + lnΓ(3.5) - lnΓ(.5) + lnΓ(1.5) - lnΓ(.5), plus the
        // structure prior of no parent among two other variables (p = 1/2).
        let s = bdeu(vec![vec![0, 0, 0, 1], vec![0, 1, 0, 1], vec![1, 1, 0, 0]]);
        let expected =
            -(24f64.ln()) + ln_gamma(3.5) + ln_gamma(1.5) - 2.0 * ln_gamma(0.5) + 2.0 * 0.5f64.ln();
        assert!((s.local(0, &[]) - expected).abs() < 1e-12);
    }

    #[test]
    fn a_dependent_parent_raises_the_score_and_an_independent_one_lowers_it() {
        let n = 400;
        let x: Vec<u32> = (0..n).map(|i| (i % 2) as u32).collect();
        let y: Vec<u32> = (0..n)
            .map(|i| ((i % 2) ^ usize::from(i % 10 == 0)) as u32)
            .collect();
        let z: Vec<u32> = (0..n).map(|i| ((i / 2) % 2) as u32).collect();
        let s = bdeu(vec![x, y, z]);
        assert!(s.local(1, &[0]) > s.local(1, &[]));
        assert!(s.local(1, &[2]) < s.local(1, &[]));
        // Score equivalence: x -> y and y -> x score the same.
        let forward = s.local(0, &[]) + s.local(1, &[0]);
        let backward = s.local(1, &[]) + s.local(0, &[1]);
        assert!((forward - backward).abs() < 1e-9);
    }
}
