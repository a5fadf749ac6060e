//! Sampling, counterfactuals and effects: every variable in topological
//! order, each over fixed-size blocks of rows processed in parallel.

use super::kernel::{Temps, EVAL_BLOCK};
use super::{Action, Equation, Noise, Scm, ScmError};
use crate::uncertain::{fill_normal, Xoshiro256pp};
use rayon::prelude::*;

/// Per-thread buffers: the kernels' temporaries and one result column.
#[derive(Default)]
struct Scratch {
    temps: Temps,
    result: Vec<f64>,
    same: Vec<bool>,
}

/// Variable `k`'s values in the current block.
type Vars<'a, 'b> = &'b dyn Fn(u32) -> &'a [f64];

fn native_eq(e: &Equation) -> bool {
    match e {
        Equation::External { .. } => false,
        Equation::Soft { base, .. } => native_eq(base),
        _ => true,
    }
}

/// Cuts every column into blocks of [`EVAL_BLOCK`] rows: `out[b][k]` is
/// block `b` of column `k`.
fn split_blocks(cols: &mut [Vec<f64>]) -> Vec<Vec<&mut [f64]>> {
    let n = cols.first().map_or(0, Vec::len);
    let mut out: Vec<Vec<&mut [f64]>> = (0..n.div_ceil(EVAL_BLOCK))
        .map(|_| Vec::with_capacity(cols.len()))
        .collect();
    for col in cols.iter_mut() {
        for (b, chunk) in col.chunks_mut(EVAL_BLOCK).enumerate() {
            if let Some(v) = out.get_mut(b) {
                v.push(chunk);
            }
        }
    }
    out
}

/// Rows per noise stream: the noise of variable `k` in rows
/// `b·BLOCK .. (b+1)·BLOCK` comes from stream `(seed, k, b)`. Fixed, so
/// results never depend on the number of threads.
pub const BLOCK: usize = 4096;

/// The answer of [`Scm::counterfactual`].
#[derive(Clone, Debug)]
pub struct Counterfactual {
    /// The intervened model the prediction ran in.
    pub model: Scm,
    /// Counterfactual values, one column per variable (model order).
    pub values: Vec<Vec<f64>>,
    /// The abducted noise, one column per variable.
    pub noise: Vec<Vec<f64>>,
    /// The variables the intervention can change, in topological order: the
    /// path of the prediction. Every other variable keeps its observed value.
    pub path: Vec<usize>,
}

/// The answer of [`Scm::effect`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EffectEstimate {
    /// E[outcome | do(treatment = a)] − E[outcome | do(treatment = b)].
    pub effect: f64,
    /// Its standard error (paired: both arms share every noise draw).
    pub std_error: f64,
    pub mean_a: f64,
    pub mean_b: f64,
    pub n: usize,
    pub seed: u64,
}

fn alloc_columns(
    rows: usize,
    columns: usize,
    what: &'static str,
) -> Result<Vec<Vec<f64>>, ScmError> {
    let fail = || ScmError::Allocation {
        what,
        rows,
        columns,
    };
    let mut out: Vec<Vec<f64>> = Vec::new();
    out.try_reserve_exact(columns).map_err(|_| fail())?;
    for _ in 0..columns {
        out.push(alloc_column(rows).ok_or_else(fail)?);
    }
    Ok(out)
}

fn alloc_column(rows: usize) -> Option<Vec<f64>> {
    // Reserve first, so an impossible size is an error rather than an abort;
    // then take zeroed memory from the allocator (pages the OS zeroes when
    // first written), which saves a pass over every column.
    let mut probe: Vec<f64> = Vec::new();
    probe.try_reserve_exact(rows).ok()?;
    drop(probe);
    Some(vec![0.0; rows])
}

/// Fills `out` with the noise of variable `k` in block `block`.
fn draw(noise: &Noise, seed: u64, k: usize, block: usize, out: &mut [f64]) {
    match noise {
        Noise::None => out.fill(0.0),
        Noise::Normal { mean, std } => {
            let mut rng = Xoshiro256pp::for_stream(seed, k as u64, block as u64);
            fill_normal(&mut rng, *mean, *std, out)
        }
        Noise::Uniform { low, high } => {
            let width = high - low;
            fill_lanes(seed, k, block, out, |rng| low + width * rng.next_f64());
        }
        Noise::Empirical(values) => {
            let len = values.len();
            fill_lanes(seed, k, block, out, |rng| {
                values.get(rng.next_index(len)).copied().unwrap_or(0.0)
            });
        }
    }
}

/// Independent generators interleaved over the rows of a block.
const LANES: usize = 4;

/// Fills `out` from [`LANES`] generators taking turns, row `i` from
/// generator `i % LANES` (stream `(seed, k, LANES·block + lane)`): the
/// generators' state updates do not wait on each other, so the processor
/// overlaps them (and the table reads of an empirical distribution).
#[inline(always)]
fn fill_lanes(
    seed: u64,
    k: usize,
    block: usize,
    out: &mut [f64],
    f: impl Fn(&mut Xoshiro256pp) -> f64,
) {
    let base = (block as u64).wrapping_mul(LANES as u64);
    let mut rngs: [Xoshiro256pp; LANES] =
        std::array::from_fn(|j| Xoshiro256pp::for_stream(seed, k as u64, base + j as u64));
    let mut chunks = out.chunks_exact_mut(LANES);
    for c in &mut chunks {
        for (o, rng) in c.iter_mut().zip(rngs.iter_mut()) {
            *o = f(rng);
        }
    }
    for (o, rng) in chunks.into_remainder().iter_mut().zip(rngs.iter_mut()) {
        *o = f(rng);
    }
}

impl Scm {
    fn not_fitted(&self, k: usize) -> ScmError {
        ScmError::NotFitted {
            node: self.names[k].clone(),
        }
    }

    /// Whether every equation runs natively (no host-language function), so
    /// a whole pass can go block by block across all variables.
    fn all_native(&self) -> bool {
        self.equations.iter().all(native_eq)
    }

    /// `out = f_k(parents)` (+ `noise`) on one block of rows: `vars(j)` is
    /// variable `j`'s values in the block. Host-language equations are not
    /// block kernels; [`Scm::compute`] calls them on whole columns.
    fn compute_block(
        &self,
        k: usize,
        equation: &Equation,
        vars: Vars<'_, '_>,
        noise: Option<&[f64]>,
        out: &mut [f64],
        temps: &mut Temps,
    ) -> Result<(), ScmError> {
        match equation {
            Equation::Unfitted => return Err(self.not_fitted(k)),
            Equation::External { .. } => {
                return Err(ScmError::InvalidArgument {
                    name: "equation",
                    message: format!(
                        "the equation of {:?} is a host function, which runs on whole columns",
                        self.names[k]
                    ),
                })
            }
            Equation::Fixed(v) => {
                out.fill(*v);
                return Ok(());
            }
            Equation::Linear { intercept, coefs } => {
                out.fill(*intercept);
                for (c, &p) in coefs.iter().zip(&self.parents[k]) {
                    for (o, &x) in out.iter_mut().zip(vars(p as u32)) {
                        *o += c * x;
                    }
                }
            }
            Equation::Expr(c) => c.kernel.eval(vars, &[], temps, out),
            Equation::Soft { base, expr } => {
                let mut old = std::mem::take(&mut temps.spare);
                old.clear();
                old.resize(out.len(), 0.0);
                let r = self.compute_block(k, base, vars, noise, &mut old, temps);
                if r.is_ok() {
                    expr.kernel.eval(vars, &old, temps, out);
                }
                temps.spare = old;
                return r;
            }
        }
        if let Some(u) = noise {
            for (o, &e) in out.iter_mut().zip(u) {
                *o += e;
            }
        }
        Ok(())
    }

    /// `out = f_k(parents)` (+ `noise` when given) for every row, reading the
    /// parents from `cols`: native equations block-parallel, host functions
    /// once on the whole column. Soft interventions apply their expression last.
    pub(crate) fn compute(
        &self,
        k: usize,
        equation: &Equation,
        cols: &[Vec<f64>],
        noise: Option<&[f64]>,
        out: &mut [f64],
    ) -> Result<(), ScmError> {
        let n = out.len();
        match equation {
            Equation::External {
                function,
                takes_noise,
            } => {
                let args: Vec<&[f64]> = self.parents[k]
                    .iter()
                    .map(|&p| cols[p].as_slice())
                    .collect();
                let zeros;
                let noise_arg = match (takes_noise, noise) {
                    (false, _) => None,
                    (true, Some(u)) => Some(u),
                    (true, None) => {
                        zeros = vec![0.0; n];
                        Some(zeros.as_slice())
                    }
                };
                let result =
                    function
                        .call(&args, noise_arg, n)
                        .map_err(|f| ScmError::Equation {
                            node: self.names[k].clone(),
                            message: f.message,
                            payload: f.payload,
                        })?;
                if result.len() != n {
                    return Err(ScmError::Shape {
                        what: format!("the result of the equation of {:?}", self.names[k]),
                        expected: n,
                        found: result.len(),
                    });
                }
                out.copy_from_slice(&result);
                if let (false, Some(u)) = (takes_noise, noise) {
                    for (o, &e) in out.iter_mut().zip(u) {
                        *o += e;
                    }
                }
                Ok(())
            }
            Equation::Soft { base, expr } if !native_eq(base) => {
                self.compute(k, base, cols, noise, out)?;
                let no_vars = |_: u32| -> &[f64] { &[] };
                out.par_chunks_mut(EVAL_BLOCK)
                    .for_each_init(Scratch::default, |scratch, chunk| {
                        scratch.result.clear();
                        scratch.result.extend_from_slice(chunk);
                        expr.kernel
                            .eval(&no_vars, &scratch.result, &mut scratch.temps, chunk);
                    });
                Ok(())
            }
            _ => {
                let results: Vec<Result<(), ScmError>> = out
                    .par_chunks_mut(EVAL_BLOCK)
                    .enumerate()
                    .map_init(Scratch::default, |scratch, (b, chunk)| {
                        let lo = b * EVAL_BLOCK;
                        let hi = lo + chunk.len();
                        let vars = |v: u32| -> &[f64] {
                            cols.get(v as usize)
                                .and_then(|c| c.get(lo..hi))
                                .unwrap_or(&[])
                        };
                        let u = noise.and_then(|u| u.get(lo..hi));
                        self.compute_block(k, equation, &vars, u, chunk, &mut scratch.temps)
                    })
                    .collect();
                results.into_iter().collect()
            }
        }
    }

    /// `n` joint samples of every variable (one column per variable, in
    /// model order), seeded.
    pub fn sample(&self, n: usize, seed: u64) -> Result<Vec<Vec<f64>>, ScmError> {
        if n == 0 {
            return Err(ScmError::InvalidArgument {
                name: "n",
                message: "the number of samples must be at least 1".into(),
            });
        }
        if let Some(k) = self.order.iter().copied().find(|&k| self.unfitted(k)) {
            return Err(self.not_fitted(k));
        }
        let mut cols = alloc_columns(n, self.len(), "samples")?;
        if self.all_native() {
            self.sample_blocks(&mut cols, seed)?;
            return Ok(cols);
        }
        let mut noise = alloc_column(n).ok_or(ScmError::Allocation {
            what: "noise",
            rows: n,
            columns: 1,
        })?;
        for &k in &self.order {
            let u = if self.noises[k] == Noise::None {
                None
            } else {
                let nk = &self.noises[k];
                noise
                    .par_chunks_mut(BLOCK)
                    .enumerate()
                    .for_each(|(b, chunk)| draw(nk, seed, k, b, chunk));
                Some(noise.as_slice())
            };
            let mut out = std::mem::take(&mut cols[k]);
            let result = self.compute(k, &self.equations[k], &cols, u, &mut out);
            cols[k] = out;
            result?;
        }
        Ok(cols)
    }

    /// Sampling in two passes over the same columns. First every variable's
    /// noise, one variable at a time, so an empirical distribution (often the
    /// largest table in play) stays in cache while it is drawn from. Then
    /// every equation block by block in causal order, the parents' values of
    /// the block still in cache, each result written in place over its noise.
    /// The same noise streams as the column-wise path, so the same bits.
    fn sample_blocks(&self, cols: &mut [Vec<f64>], seed: u64) -> Result<(), ScmError> {
        cols.par_iter_mut().enumerate().for_each(|(k, col)| {
            let noise = &self.noises[k];
            if *noise != Noise::None {
                col.par_chunks_mut(BLOCK)
                    .enumerate()
                    .for_each(|(b, chunk)| draw(noise, seed, k, b, chunk));
            }
        });
        let blocks = split_blocks(cols);
        let results: Vec<Result<(), ScmError>> = blocks
            .into_par_iter()
            .map_init(Scratch::default, |scratch, mut slices| {
                for &k in &self.order {
                    let out = std::mem::take(&mut slices[k]);
                    let len = out.len();
                    scratch.result.resize(len, 0.0);
                    let noise = (self.noises[k] != Noise::None).then_some(&*out);
                    let r = {
                        let vars =
                            |v: u32| -> &[f64] { slices.get(v as usize).map_or(&[], |s| &**s) };
                        self.compute_block(
                            k,
                            &self.equations[k],
                            &vars,
                            noise,
                            &mut scratch.result[..len],
                            &mut scratch.temps,
                        )
                    };
                    out.copy_from_slice(&scratch.result[..len]);
                    slices[k] = out;
                    r?;
                }
                Ok(())
            })
            .collect();
        results.into_iter().collect()
    }

    fn unfitted(&self, k: usize) -> bool {
        fn inner(e: &Equation) -> bool {
            match e {
                Equation::Unfitted => true,
                Equation::Soft { base, .. } => inner(base),
                _ => false,
            }
        }
        inner(&self.equations[k])
    }

    /// Resolves named columns to one slice per variable, all of one length.
    pub(crate) fn resolve<'a>(
        &self,
        columns: &[(&str, &'a [f64])],
        what: &str,
    ) -> Result<(Vec<&'a [f64]>, usize), ScmError> {
        let mut slots: Vec<Option<&'a [f64]>> = vec![None; self.len()];
        let mut len = None;
        for (name, col) in columns {
            let Some(&k) = self.index.get(*name) else {
                continue; // extra columns are allowed and ignored
            };
            match len {
                None => len = Some(col.len()),
                Some(l) if l != col.len() => {
                    return Err(ScmError::Shape {
                        what: format!("{what} column {name:?}"),
                        expected: l,
                        found: col.len(),
                    })
                }
                _ => {}
            }
            slots[k] = Some(col);
        }
        let mut out = Vec::with_capacity(self.len());
        for (k, s) in slots.into_iter().enumerate() {
            match s {
                Some(c) => out.push(c),
                None => {
                    return Err(ScmError::InvalidArgument {
                        name: "observed",
                        message: format!(
                        "the {what} data has no column {:?}; every variable of the model is needed",
                        self.names[k]
                    ),
                    })
                }
            }
        }
        Ok((out, len.unwrap_or(0)))
    }

    /// Rung 3 for every row of `observed` (each row its own unit): abduct
    /// each variable's additive noise from the row, apply `actions`, and
    /// predict every variable in the intervened model with the abducted noise.
    ///
    /// Variables the intervention cannot reach keep their observed values
    /// exactly, and so does a row whose intervened values equal its
    /// observations: `do` on an observed value gives back the observation.
    pub fn counterfactual(
        &self,
        observed: &[(&str, &[f64])],
        actions: &[(String, Action)],
    ) -> Result<Counterfactual, ScmError> {
        let (obs, n) = self.resolve(observed, "observed")?;
        let model = self.intervene(actions)?;
        for &k in &self.order {
            if let Some(row) = obs[k].iter().position(|x| x.is_nan()) {
                return Err(ScmError::MissingObservation {
                    node: self.names[k].clone(),
                    row,
                });
            }
            self.invertible(k)?;
        }
        let roots: Vec<usize> = actions
            .iter()
            .filter_map(|(name, _)| self.index.get(name).copied())
            .collect();
        let path = model.downstream(&roots);
        let mut moved = vec![false; self.len()];
        for &k in &path {
            moved[k] = true;
        }
        let mut noise = alloc_columns(n, self.len(), "abducted noise")?;
        if self.all_native() && model.all_native() {
            let mut values = alloc_columns(n, self.len(), "counterfactual values")?;
            // Block by block: the observations copied in, abduction and
            // prediction of every variable while the block is in cache.
            let vb = split_blocks(&mut values);
            let nb = split_blocks(&mut noise);
            let results: Vec<Result<(), ScmError>> = vb
                .into_par_iter()
                .zip(nb)
                .enumerate()
                .map_init(Scratch::default, |scratch, (b, (mut vals, mut us))| {
                    let lo = b * EVAL_BLOCK;
                    let hi = lo + vals.first().map_or(0, |v| v.len());
                    let ob: Vec<&[f64]> = obs.iter().map(|c| &c[lo..hi]).collect();
                    let observed =
                        |v: u32| -> &[f64] { ob.get(v as usize).copied().unwrap_or(&[]) };
                    for (v, o) in vals.iter_mut().zip(&ob) {
                        v.copy_from_slice(o);
                    }
                    for &k in &self.order {
                        let eq = &self.equations[k];
                        self.compute_block(k, eq, &observed, None, us[k], &mut scratch.temps)?;
                        self.residuals(k, ob[k], us[k], lo)?;
                    }
                    for &k in &path {
                        let out = std::mem::take(&mut vals[k]);
                        let r = {
                            let cf =
                                |v: u32| -> &[f64] { vals.get(v as usize).map_or(&[], |s| &**s) };
                            let eq = &model.equations[k];
                            let u = (!matches!(eq, Equation::Fixed(_))).then_some(&*us[k]);
                            let r = model.compute_block(k, eq, &cf, u, out, &mut scratch.temps);
                            if r.is_ok() && !roots.contains(&k) {
                                keep_unchanged(
                                    &model.parents[k],
                                    &moved,
                                    &cf,
                                    &observed,
                                    ob[k],
                                    out,
                                    &mut scratch.same,
                                );
                            }
                            r
                        };
                        vals[k] = out;
                        r?;
                    }
                    Ok(())
                })
                .collect();
            results.into_iter().collect::<Result<(), ScmError>>()?;
            return Ok(Counterfactual {
                model,
                values,
                noise,
                path,
            });
        }
        let mut values = self.owned_columns(&obs)?;
        for &k in &self.order {
            self.compute(k, &self.equations[k], &values, None, &mut noise[k])?;
            self.residuals(k, obs[k], &mut noise[k], 0)?;
        }
        for &k in &path {
            let mut out = alloc_column(n).ok_or(ScmError::Allocation {
                what: "counterfactual values",
                rows: n,
                columns: 1,
            })?;
            let eq = &model.equations[k];
            let u = (!matches!(eq, Equation::Fixed(_))).then_some(noise[k].as_slice());
            model.compute(k, eq, &values, u, &mut out)?;
            if !roots.contains(&k) {
                let cf = |v: u32| -> &[f64] { values.get(v as usize).map_or(&[], Vec::as_slice) };
                let observed = |v: u32| -> &[f64] { obs.get(v as usize).copied().unwrap_or(&[]) };
                keep_unchanged(
                    &model.parents[k],
                    &moved,
                    &cf,
                    &observed,
                    obs[k],
                    &mut out,
                    &mut Vec::new(),
                );
            }
            values[k] = out;
        }
        Ok(Counterfactual {
            model,
            values,
            noise,
            path,
        })
    }

    fn owned_columns(&self, obs: &[&[f64]]) -> Result<Vec<Vec<f64>>, ScmError> {
        let n = obs.first().map_or(0, |c| c.len());
        let fail = || ScmError::Allocation {
            what: "observations",
            rows: n,
            columns: obs.len(),
        };
        let mut out = Vec::new();
        out.try_reserve_exact(obs.len()).map_err(|_| fail())?;
        for c in obs {
            let mut v = Vec::new();
            v.try_reserve_exact(c.len()).map_err(|_| fail())?;
            v.extend_from_slice(c);
            out.push(v);
        }
        Ok(out)
    }

    /// Whether variable `k`'s noise can be solved from an observation.
    fn invertible(&self, k: usize) -> Result<(), ScmError> {
        let name = &self.names[k];
        match &self.equations[k] {
            Equation::External {
                takes_noise: true, ..
            } => Err(ScmError::NotInvertible {
                node: name.clone(),
                reason: "its equation takes the noise as an argument (non-additive noise), so the noise cannot be solved from an observation".into(),
            }),
            Equation::Soft { .. } => Err(ScmError::NotInvertible {
                node: name.clone(),
                reason: "a soft intervention maps its old value through an expression that need not be invertible; ask the counterfactual of the model before do()".into(),
            }),
            _ => Ok(()),
        }
    }

    /// Turns `u = f_k(parents)` into the residual `x − f_k(parents)`; a
    /// noise-free variable must have (almost) none. `row0` numbers the rows.
    fn residuals(&self, k: usize, x: &[f64], u: &mut [f64], row0: usize) -> Result<(), ScmError> {
        for (e, &xi) in u.iter_mut().zip(x) {
            *e = xi - *e;
        }
        if let Noise::Uniform { low, high } = self.noises[k] {
            // A little slack for the rounding of `x − f(parents)`.
            let slack = 1e-9 * 1.0_f64.max(low.abs()).max(high.abs());
            for (i, &e) in u.iter().enumerate() {
                if !(e >= low - slack && e <= high + slack) {
                    return Err(ScmError::NoiseOutOfRange {
                        node: self.names[k].clone(),
                        row: row0 + i,
                        noise: e,
                        low,
                        high,
                    });
                }
            }
        }
        if self.noises[k] == Noise::None {
            for (i, (e, &xi)) in u.iter().zip(x).enumerate() {
                let predicted = xi - e;
                let scale = 1.0_f64.max(xi.abs()).max(predicted.abs());
                if e.abs() > 1e-9 * scale || e.is_nan() {
                    return Err(ScmError::Inconsistent {
                        node: self.names[k].clone(),
                        row: row0 + i,
                        observed: xi,
                        predicted,
                    });
                }
            }
        }
        Ok(())
    }

    /// The average causal effect of setting `treatment` to `a` rather than
    /// `b` on `outcome`, from `n` paired samples.
    pub fn effect(
        &self,
        treatment: &str,
        outcome: &str,
        a: f64,
        b: f64,
        n: usize,
        seed: u64,
    ) -> Result<EffectEstimate, ScmError> {
        let y = self.position(outcome)?;
        self.position(treatment)?;
        if n < 2 {
            return Err(ScmError::InvalidArgument {
                name: "n",
                message: "an effect with a standard error needs at least 2 samples".into(),
            });
        }
        let ma = self.intervene(&[(treatment.to_owned(), Action::Set(a))])?;
        let mb = self.intervene(&[(treatment.to_owned(), Action::Set(b))])?;
        let ya = ma.sample(n, seed)?.swap_remove(y);
        let yb = mb.sample(n, seed)?.swap_remove(y);
        let nf = n as f64;
        let mean_a = ya.iter().sum::<f64>() / nf;
        let mean_b = yb.iter().sum::<f64>() / nf;
        let effect = mean_a - mean_b;
        let var = ya
            .iter()
            .zip(&yb)
            .map(|(p, q)| {
                let d = p - q - effect;
                d * d
            })
            .sum::<f64>()
            / (nf - 1.0);
        Ok(EffectEstimate {
            effect,
            std_error: (var / nf).sqrt(),
            mean_a,
            mean_b,
            n,
            seed,
        })
    }
}

/// Rows whose parents all kept their observed values keep the observed value
/// too, bit for bit (instead of `f(pa) + (x − f(pa))`, which may round).
/// Only parents on the prediction path (`moved`) can differ from their
/// observation; the others are not compared.
fn keep_unchanged(
    parents: &[usize],
    moved: &[bool],
    cf: Vars<'_, '_>,
    obs: Vars<'_, '_>,
    x: &[f64],
    out: &mut [f64],
    same: &mut Vec<bool>,
) {
    same.clear();
    same.resize(out.len(), true);
    for &p in parents {
        if !moved.get(p).copied().unwrap_or(true) {
            continue;
        }
        let (c, b) = (cf(p as u32), obs(p as u32));
        for ((s, c), b) in same.iter_mut().zip(c).zip(b) {
            *s &= c.to_bits() == b.to_bits();
        }
    }
    for ((o, &xi), &s) in out.iter_mut().zip(x).zip(same.iter()) {
        if s {
            *o = xi;
        }
    }
}
