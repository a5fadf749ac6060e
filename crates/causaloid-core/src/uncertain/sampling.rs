//! Seeded sampling passes over a compiled plan: all samples, their mean,
//! standard deviation and quantiles. Blocks run in parallel; partial results
//! are combined in block order, so the numbers do not depend on thread count.

use super::error::UncertainError;
use super::node::Uncertain;
use super::plan::{Plan, Workspace, BLOCK, CHUNK};
use super::rng::os_seed;
use rayon::prelude::*;

/// The seed given, or a fresh one from the OS (reported with the result).
pub fn resolve_seed(seed: Option<u64>) -> u64 {
    seed.unwrap_or_else(os_seed)
}

pub(crate) fn check_count(n: usize) -> Result<(), UncertainError> {
    if n == 0 {
        return Err(UncertainError::InvalidParameter {
            parameter: "n",
            value: "0".into(),
            expected: "at least 1 sample",
        });
    }
    Ok(())
}

/// Folds the `n` samples block by block (in parallel unless the plan calls
/// host code), each block chunk by chunk into a fresh `init()`; returns the
/// per-block results in block order, or the error of the first failing block.
fn over_blocks<T, I, F>(
    plan: &Plan,
    seed: u64,
    n: usize,
    init: I,
    fold: F,
) -> Result<Vec<T>, UncertainError>
where
    T: Send,
    I: Fn(usize) -> T + Sync,
    F: Fn(&mut T, &[f64]) + Sync,
{
    over_block_range(plan, seed, n, 0..n.div_ceil(BLOCK), init, fold)
}

/// [`over_blocks`] for the blocks `range` only (of the `n` samples).
fn over_block_range<T, I, F>(
    plan: &Plan,
    seed: u64,
    n: usize,
    range: std::ops::Range<usize>,
    init: I,
    fold: F,
) -> Result<Vec<T>, UncertainError>
where
    T: Send,
    I: Fn(usize) -> T + Sync,
    F: Fn(&mut T, &[f64]) + Sync,
{
    let blocks = range.len();
    // A host function is called once per block, with the whole block.
    let chunk = if plan.calls_host() { BLOCK } else { CHUNK };
    let run = |ws: &mut Workspace, b: usize| -> Result<T, UncertainError> {
        ws.start_block(plan, b as u64);
        let len = BLOCK.min(n - b * BLOCK);
        let mut acc = init(len);
        let mut done = 0;
        while done < len {
            let values = ws.next_chunk(plan, chunk.min(len - done))?;
            done += values.len();
            fold(&mut acc, values);
        }
        Ok(acc)
    };
    let results: Vec<Result<T, UncertainError>> = if plan.calls_host() || blocks == 1 {
        let mut ws = Workspace::new(plan, seed);
        range.map(|b| run(&mut ws, b)).collect()
    } else {
        range
            .into_par_iter()
            .map_init(|| Workspace::new(plan, seed), |ws, b| run(ws, b))
            .collect()
    };
    results.into_iter().collect()
}

/// `n` joint samples of several values, one column each: a node they share
/// is one random variable (the same value is the same samples; `x` and
/// `x + 1` move together), nodes they do not share are independent. Seeded
/// and independent of the thread count, like [`sample`].
pub fn sample_joint(
    roots: &[Uncertain],
    n: usize,
    seed: u64,
) -> Result<Vec<Vec<f64>>, UncertainError> {
    check_count(n)?;
    let too_large = || UncertainError::TooLarge {
        parameter: "n",
        value: n.saturating_mul(roots.len().max(1)),
    };
    let mut out: Vec<Vec<f64>> = Vec::new();
    out.try_reserve_exact(roots.len())
        .map_err(|_| too_large())?;
    for _ in roots {
        let mut column = Vec::new();
        column.try_reserve_exact(n).map_err(|_| too_large())?;
        out.push(column);
    }
    if roots.is_empty() {
        return Ok(out);
    }
    let plan = Plan::compile_many(roots);
    let chunk = if plan.calls_host() { BLOCK } else { CHUNK };
    let run = |ws: &mut Workspace, b: usize| -> Result<Vec<Vec<f64>>, UncertainError> {
        ws.start_block(&plan, b as u64);
        let len = BLOCK.min(n - b * BLOCK);
        let mut acc: Vec<Vec<f64>> = (0..roots.len()).map(|_| Vec::with_capacity(len)).collect();
        let mut done = 0;
        while done < len {
            let got = ws.next_chunk(&plan, chunk.min(len - done))?.len();
            for (k, column) in acc.iter_mut().enumerate() {
                column.extend_from_slice(ws.output(&plan, k, got));
            }
            done += got;
        }
        Ok(acc)
    };
    let blocks = n.div_ceil(BLOCK);
    let parts: Vec<Result<Vec<Vec<f64>>, UncertainError>> = if plan.calls_host() || blocks == 1 {
        let mut ws = Workspace::new(&plan, seed);
        (0..blocks).map(|b| run(&mut ws, b)).collect()
    } else {
        (0..blocks)
            .into_par_iter()
            .map_init(|| Workspace::new(&plan, seed), |ws, b| run(ws, b))
            .collect()
    };
    for part in parts {
        for (column, block) in out.iter_mut().zip(part?) {
            column.extend_from_slice(&block);
        }
    }
    Ok(out)
}

/// `n` samples (booleans as 0.0 / 1.0).
///
/// The result is allocated fallibly before any sample is drawn: an `n` that
/// does not fit in memory is [`UncertainError::TooLarge`], never an abort.
pub fn sample(u: &Uncertain, n: usize, seed: u64) -> Result<Vec<f64>, UncertainError> {
    check_count(n)?;
    let mut out: Vec<f64> = Vec::new();
    out.try_reserve_exact(n)
        .map_err(|_| UncertainError::TooLarge {
            parameter: "n",
            value: n,
        })?;
    let plan = Plan::compile(u);
    let parts = over_blocks(
        &plan,
        seed,
        n,
        Vec::with_capacity,
        |acc: &mut Vec<f64>, values| acc.extend_from_slice(values),
    )?;
    for part in parts {
        out.extend_from_slice(&part);
    }
    Ok(out)
}

/// Count, mean and sum of squared deviations of one block (two-pass, exact order).
#[derive(Clone, Copy, Debug)]
pub struct Moments {
    pub count: f64,
    pub mean: f64,
    pub m2: f64,
}

impl Moments {
    fn of(values: &[f64]) -> Moments {
        let count = values.len() as f64;
        let mean = values.iter().sum::<f64>() / count;
        let m2 = values.iter().map(|x| (x - mean) * (x - mean)).sum();
        Moments { count, mean, m2 }
    }

    /// Chan et al.'s pairwise combination.
    fn merge(self, other: Moments) -> Moments {
        let count = self.count + other.count;
        let delta = other.mean - self.mean;
        Moments {
            count,
            mean: self.mean + delta * other.count / count,
            m2: self.m2 + other.m2 + delta * delta * self.count * other.count / count,
        }
    }

    /// Sample standard deviation (n − 1 in the denominator; 0 for one sample).
    pub fn std(&self) -> f64 {
        if self.count > 1.0 {
            (self.m2 / (self.count - 1.0)).sqrt()
        } else {
            0.0
        }
    }
}

/// Mean and spread of `n` samples without keeping them.
pub fn moments(u: &Uncertain, n: usize, seed: u64) -> Result<Moments, UncertainError> {
    check_count(n)?;
    let plan = Plan::compile(u);
    // Blocks a group at a time, so memory stays bounded whatever `n` is; the
    // partial moments merge in block order, as in one pass.
    const GROUP: usize = 4096;
    let blocks = n.div_ceil(BLOCK);
    let mut total: Option<Moments> = None;
    let mut start = 0;
    while start < blocks {
        let end = blocks.min(start.saturating_add(GROUP));
        let parts = over_block_range(
            &plan,
            seed,
            n,
            start..end,
            |_| None,
            |acc: &mut Option<Moments>, values| {
                let m = Moments::of(values);
                *acc = Some(acc.map_or(m, |a| a.merge(m)));
            },
        )?;
        for m in parts.into_iter().flatten() {
            total = Some(total.map_or(m, |a| a.merge(m)));
        }
        start = end;
    }
    let first = Moments {
        count: 0.0,
        mean: f64::NAN,
        m2: 0.0,
    };
    Ok(total.unwrap_or(first))
}

/// Quantiles `qs` (each in [0, 1]) of `n` samples, linearly interpolated
/// between order statistics (NumPy's default method).
pub fn quantiles(
    u: &Uncertain,
    qs: &[f64],
    n: usize,
    seed: u64,
) -> Result<Vec<f64>, UncertainError> {
    check_count(n)?;
    if let Some(q) = qs.iter().find(|q| !(0.0..=1.0).contains(*q)) {
        return Err(UncertainError::invalid("q", *q, "in [0, 1]"));
    }
    let mut values = sample(u, n, seed)?;
    values.par_sort_unstable_by(f64::total_cmp);
    Ok(qs
        .iter()
        .map(|q| {
            let position = q * (n - 1) as f64;
            let below = position.floor() as usize;
            let above = (below + 1).min(n - 1);
            let fraction = position - below as f64;
            values[below] + (values[above] - values[below]) * fraction
        })
        .collect())
}
