//! Sampling, counterfactuals and effects: every variable in topological
//! order, each over fixed-size blocks of rows processed in parallel.
//!
//! The `*_into` entry points write into buffers the caller owns (the Python
//! bindings hand over freshly allocated NumPy arrays), each output value
//! written once; [`Scm::sample`] and [`Scm::counterfactual`] allocate them.

use super::kernel::{Finish, Lane, Temps, EVAL_BLOCK};
use super::{Action, Equation, Noise, Scm, ScmError};
use crate::uncertain::{fill_normal, Xoshiro256pp};
use rayon::prelude::*;

/// Per-thread buffers: the kernels' temporaries and the row masks of
/// [`keep_unchanged`].
#[derive(Default)]
struct Scratch {
    temps: Temps,
    diff: Vec<u64>,
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
fn split_blocks<'a>(cols: &'a mut [&mut [f64]]) -> Vec<Vec<&'a mut [f64]>> {
    let n = cols.first().map_or(0, |c| c.len());
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
    /// Per row: whether every abducted noise value lies inside the support
    /// of its distribution (see [`Noise::support`]).
    pub in_support: Vec<bool>,
    /// Per variable (model order): the number of rows whose abducted noise
    /// lies outside the range of its empirical distribution.
    pub outside: Vec<usize>,
}

/// What [`Scm::counterfactual_into`] returns besides the columns it wrote.
#[derive(Clone, Debug)]
pub struct CounterfactualInfo {
    pub model: Scm,
    pub path: Vec<usize>,
    pub outside: Vec<usize>,
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
    // Reserve first, so an impossible size is an error rather than an abort.
    let mut probe: Vec<f64> = Vec::new();
    probe.try_reserve_exact(rows).ok()?;
    drop(probe);
    Some(vec![0.0; rows])
}

fn as_slices(cols: &mut [Vec<f64>]) -> Vec<&mut [f64]> {
    cols.iter_mut().map(Vec::as_mut_slice).collect()
}

/// Checks that the caller's buffers have one column per variable, `n` rows each.
fn check_columns(what: &str, cols: &[&mut [f64]], vars: usize, n: usize) -> Result<(), ScmError> {
    if cols.len() != vars {
        return Err(ScmError::Shape {
            what: format!("the {what} buffer (columns)"),
            expected: vars,
            found: cols.len(),
        });
    }
    if let Some(c) = cols.iter().find(|c| c.len() != n) {
        return Err(ScmError::Shape {
            what: format!("a column of the {what} buffer"),
            expected: n,
            found: c.len(),
        });
    }
    Ok(())
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
            let values: &[f64] = values;
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
    let stream = |j: u64| Xoshiro256pp::for_stream(seed, k as u64, base + j);
    // Four named generators rather than an array walked by an iterator, so
    // their states stay in registers and the four chains overlap.
    let (mut r0, mut r1, mut r2, mut r3) = (stream(0), stream(1), stream(2), stream(3));
    let (chunks, rest) = out.as_chunks_mut::<LANES>();
    for c in chunks {
        *c = [f(&mut r0), f(&mut r1), f(&mut r2), f(&mut r3)];
    }
    let mut rngs = [r0, r1, r2, r3];
    for (o, rng) in rest.iter_mut().zip(rngs.iter_mut()) {
        *o = f(rng);
    }
}

/// `finish` restricted to rows `lo..hi`.
fn finish_rows<'a>(finish: Finish<'a>, lo: usize, hi: usize) -> Finish<'a> {
    match finish {
        Finish::Store => Finish::Store,
        Finish::AddOut => Finish::AddOut,
        Finish::Add(u) => Finish::Add(u.get(lo..hi).unwrap_or(&[])),
        Finish::SubFrom(x) => Finish::SubFrom(x.get(lo..hi).unwrap_or(&[])),
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

    /// `f_k(parents)` on one block of rows, written to `out` as `finish`
    /// says (stored, plus noise, or subtracted from an observation): `vars(j)`
    /// is variable `j`'s values in the block. Host-language equations are not
    /// block kernels; [`Scm::compute`] calls them on whole columns.
    fn compute_block(
        &self,
        k: usize,
        equation: &Equation,
        vars: Vars<'_, '_>,
        finish: Finish<'_>,
        out: &mut [f64],
        temps: &mut Temps,
    ) -> Result<(), ScmError> {
        match equation {
            Equation::Unfitted => Err(self.not_fitted(k)),
            Equation::External { .. } => Err(ScmError::InvalidArgument {
                name: "equation",
                message: format!(
                    "the equation of {:?} is a host function, which runs on whole columns",
                    self.names[k]
                ),
            }),
            Equation::Fixed(v) => {
                // A fixed variable has no noise: only an observation's
                // residual is computed from it.
                match finish {
                    Finish::SubFrom(_) => finish.apply(Lane::C(*v), out),
                    _ => out.fill(*v),
                }
                Ok(())
            }
            Equation::Linear { intercept, coefs } => {
                let mut acc = std::mem::take(&mut temps.spare);
                let in_out = !matches!(finish, Finish::AddOut);
                {
                    let sum: &mut [f64] = if in_out {
                        out
                    } else {
                        acc.clear();
                        acc.resize(out.len(), 0.0);
                        &mut acc
                    };
                    sum.fill(*intercept);
                    for (c, &p) in coefs.iter().zip(&self.parents[k]) {
                        for (o, &x) in sum.iter_mut().zip(vars(p as u32)) {
                            *o += c * x;
                        }
                    }
                }
                match finish {
                    Finish::Store => {}
                    Finish::AddOut => Finish::AddOut.apply(Lane::S(&acc), out),
                    Finish::Add(u) => {
                        for (o, &e) in out.iter_mut().zip(u) {
                            *o += e;
                        }
                    }
                    Finish::SubFrom(x) => {
                        for (o, &xi) in out.iter_mut().zip(x) {
                            *o = xi - *o;
                        }
                    }
                }
                temps.spare = acc;
                Ok(())
            }
            Equation::Expr(c) => {
                c.kernel.eval(vars, &[], temps, out, finish);
                Ok(())
            }
            Equation::Soft { base, expr } => {
                // The old value is `base(parents) + noise`; the output is
                // the expression over it.
                let mut old = std::mem::take(&mut temps.spare);
                old.clear();
                old.resize(out.len(), 0.0);
                let (inner, outer) = match finish {
                    Finish::AddOut => (Finish::Add(&*out), Finish::Store),
                    Finish::SubFrom(_) => (Finish::Store, finish),
                    other => (other, Finish::Store),
                };
                let r = self.compute_block(k, base, vars, inner, &mut old, temps);
                if r.is_ok() {
                    expr.kernel.eval(vars, &old, temps, out, outer);
                }
                temps.spare = old;
                r
            }
        }
    }

    /// `f_k(parents)` for every row, written to `out` as `finish` says,
    /// reading the parents from `cols`: native equations block-parallel,
    /// host functions once on the whole column. Soft interventions apply
    /// their expression last.
    pub(crate) fn compute(
        &self,
        k: usize,
        equation: &Equation,
        cols: &[&[f64]],
        finish: Finish<'_>,
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
                    .map(|&p| cols.get(p).copied().unwrap_or(&[]))
                    .collect();
                let noise_copy;
                let zeros;
                // A function taking its noise gets it as an argument instead.
                let (noise_arg, finish) = match (takes_noise, finish) {
                    (false, f) => (None, f),
                    (true, Finish::Add(u)) => (Some(u), Finish::Store),
                    (true, Finish::AddOut) => {
                        noise_copy = out.to_vec();
                        (Some(noise_copy.as_slice()), Finish::Store)
                    }
                    (true, f) => {
                        zeros = vec![0.0; n];
                        (Some(zeros.as_slice()), f)
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
                finish.apply(Lane::S(&result), out);
                Ok(())
            }
            Equation::Soft { base, expr } if !native_eq(base) => {
                let (inner, outer) = match finish {
                    Finish::SubFrom(_) => (Finish::Store, finish),
                    other => (other, Finish::Store),
                };
                self.compute(k, base, cols, inner, out)?;
                let no_vars = |_: u32| -> &[f64] { &[] };
                out.par_chunks_mut(EVAL_BLOCK).enumerate().for_each_init(
                    || (Temps::default(), Vec::new()),
                    |(temps, old), (b, chunk)| {
                        let lo = b * EVAL_BLOCK;
                        old.clear();
                        old.extend_from_slice(chunk);
                        let f = finish_rows(outer, lo, lo + chunk.len());
                        expr.kernel.eval(&no_vars, old, temps, chunk, f);
                    },
                );
                Ok(())
            }
            _ => {
                let results: Vec<Result<(), ScmError>> = out
                    .par_chunks_mut(EVAL_BLOCK)
                    .enumerate()
                    .map_init(Temps::default, |temps, (b, chunk)| {
                        let lo = b * EVAL_BLOCK;
                        let hi = lo + chunk.len();
                        let vars = |v: u32| -> &[f64] {
                            cols.get(v as usize)
                                .and_then(|c| c.get(lo..hi))
                                .unwrap_or(&[])
                        };
                        let f = finish_rows(finish, lo, hi);
                        self.compute_block(k, equation, &vars, f, chunk, temps)
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
        let mut cols = alloc_columns(n, self.len(), "samples")?;
        self.sample_into(&mut as_slices(&mut cols), seed)?;
        Ok(cols)
    }

    /// [`Scm::sample`] into the caller's columns (one per variable, in model
    /// order, all of the same length `n ≥ 1`); every value is written.
    pub fn sample_into(&self, out: &mut [&mut [f64]], seed: u64) -> Result<(), ScmError> {
        let n = out.first().map_or(0, |c| c.len());
        check_columns("sample", out, self.len(), n)?;
        if n == 0 {
            return Err(ScmError::InvalidArgument {
                name: "n",
                message: "the number of samples must be at least 1".into(),
            });
        }
        if let Some(k) = self.order.iter().copied().find(|&k| self.unfitted(k)) {
            return Err(self.not_fitted(k));
        }
        // Every variable's noise first, one variable at a time, so an
        // empirical distribution (often the largest table in play) stays in
        // cache while it is drawn from; each equation then adds its value
        // to its noise in place.
        out.par_iter_mut().enumerate().for_each(|(k, col)| {
            let noise = &self.noises[k];
            if *noise == Noise::None {
                return; // its equation stores its value (`noise_finish`)
            }
            col.par_chunks_mut(BLOCK)
                .enumerate()
                .for_each(|(b, chunk)| draw(noise, seed, k, b, chunk));
        });
        if self.all_native() {
            return self.sample_blocks(out);
        }
        for &k in &self.order {
            let mut col = std::mem::take(&mut out[k]);
            let result = {
                let views: Vec<&[f64]> = out.iter().map(|c| &**c).collect();
                self.compute(k, &self.equations[k], &views, self.noise_finish(k), col)
            };
            std::mem::swap(&mut out[k], &mut col);
            result?;
        }
        Ok(())
    }

    /// How variable `k`'s equation meets its noise when sampling: added to
    /// the noise already drawn into its column, or (no noise) stored.
    fn noise_finish(&self, k: usize) -> Finish<'static> {
        if self.noises[k] == Noise::None {
            Finish::Store
        } else {
            Finish::AddOut
        }
    }

    /// Every equation block by block in causal order, the parents' values
    /// of the block still in cache, each result added in place to its noise.
    fn sample_blocks(&self, cols: &mut [&mut [f64]]) -> Result<(), ScmError> {
        let blocks = split_blocks(cols);
        let results: Vec<Result<(), ScmError>> = blocks
            .into_par_iter()
            .map_init(Scratch::default, |scratch, mut slices| {
                for &k in &self.order {
                    let out = std::mem::take(&mut slices[k]);
                    let r = {
                        let vars =
                            |v: u32| -> &[f64] { slices.get(v as usize).map_or(&[], |s| &**s) };
                        self.compute_block(
                            k,
                            &self.equations[k],
                            &vars,
                            self.noise_finish(k),
                            out,
                            &mut scratch.temps,
                        )
                    };
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
    /// `what` names the argument in errors (`"observed"`, `"table"`).
    pub(crate) fn resolve<'a>(
        &self,
        columns: &[(&str, &'a [f64])],
        what: &'static str,
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
                        name: what,
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
    /// Noise abducted outside the range of an empirical distribution is
    /// reported per row ([`Counterfactual::in_support`]); see
    /// [`Scm::counterfactual_into`] for the strict form.
    pub fn counterfactual(
        &self,
        observed: &[(&str, &[f64])],
        actions: &[(String, Action)],
    ) -> Result<Counterfactual, ScmError> {
        self.counterfactual_checked(observed, actions, false)
    }

    /// [`Scm::counterfactual`]; with `strict`, noise abducted outside the
    /// range of an empirical distribution is an error
    /// ([`ScmError::NoiseOutOfSupport`]) rather than a flag.
    pub fn counterfactual_checked(
        &self,
        observed: &[(&str, &[f64])],
        actions: &[(String, Action)],
        strict: bool,
    ) -> Result<Counterfactual, ScmError> {
        let (_, n) = self.resolve(observed, "observed")?;
        let mut values = alloc_columns(n, self.len(), "counterfactual values")?;
        let mut noise = alloc_columns(n, self.len(), "abducted noise")?;
        let mut in_support = Vec::new();
        in_support
            .try_reserve_exact(n)
            .map_err(|_| ScmError::Allocation {
                what: "support flags",
                rows: n,
                columns: 1,
            })?;
        in_support.resize(n, true);
        let info = self.counterfactual_into(
            observed,
            actions,
            strict,
            &mut as_slices(&mut values),
            &mut as_slices(&mut noise),
            &mut in_support,
        )?;
        Ok(Counterfactual {
            model: info.model,
            values,
            noise,
            path: info.path,
            in_support,
            outside: info.outside,
        })
    }

    /// The counterfactual written into the caller's buffers: `values` and
    /// `noise` one column per variable (model order) of the observed length,
    /// `in_support` one flag per row. Every value is written.
    pub fn counterfactual_into(
        &self,
        observed: &[(&str, &[f64])],
        actions: &[(String, Action)],
        strict: bool,
        values: &mut [&mut [f64]],
        noise: &mut [&mut [f64]],
        in_support: &mut [bool],
    ) -> Result<CounterfactualInfo, ScmError> {
        let (obs, n) = self.resolve(observed, "observed")?;
        check_columns("values", values, self.len(), n)?;
        check_columns("noise", noise, self.len(), n)?;
        if in_support.len() != n {
            return Err(ScmError::Shape {
                what: "the support flags buffer".into(),
                expected: n,
                found: in_support.len(),
            });
        }
        let model = self.intervene(actions)?;
        // One parallel scan per column; the first missing value in causal
        // order is reported, whatever the number of threads.
        let first_nan: Vec<Option<usize>> = obs
            .par_iter()
            .map(|c| c.iter().position(|x| x.is_nan()))
            .collect();
        for &k in &self.order {
            if let Some(row) = first_nan[k] {
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
        let outside = if self.all_native() && model.all_native() {
            self.counterfactual_blocks(
                &model, &obs, &path, &moved, &roots, strict, values, noise, in_support,
            )?
        } else {
            self.counterfactual_columns(
                &model, &obs, &path, &moved, &roots, strict, values, noise, in_support,
            )?
        };
        Ok(CounterfactualInfo {
            model,
            path,
            outside,
        })
    }

    /// Block by block: abduction of every variable and prediction along the
    /// path while the block is in cache; variables off the path get their
    /// observation copied, once.
    #[allow(clippy::too_many_arguments)]
    fn counterfactual_blocks(
        &self,
        model: &Scm,
        obs: &[&[f64]],
        path: &[usize],
        moved: &[bool],
        roots: &[usize],
        strict: bool,
        values: &mut [&mut [f64]],
        noise: &mut [&mut [f64]],
        in_support: &mut [bool],
    ) -> Result<Vec<usize>, ScmError> {
        let vb = split_blocks(values);
        let nb = split_blocks(noise);
        let fb = in_support.chunks_mut(EVAL_BLOCK);
        let results: Vec<Result<Vec<usize>, ScmError>> = vb
            .into_par_iter()
            .zip(nb)
            .zip(fb.collect::<Vec<_>>())
            .enumerate()
            .map_init(Scratch::default, |scratch, (b, ((mut vals, us), flags))| {
                let lo = b * EVAL_BLOCK;
                let hi = lo + flags.len();
                let ob: Vec<&[f64]> = obs.iter().map(|c| c.get(lo..hi).unwrap_or(&[])).collect();
                let observed = |v: u32| -> &[f64] { ob.get(v as usize).copied().unwrap_or(&[]) };
                flags.fill(true);
                let mut outside = vec![0usize; self.len()];
                let mut us = us;
                for &k in &self.order {
                    let eq = &self.equations[k];
                    let x = ob[k];
                    let u = &mut *us[k];
                    self.compute_block(
                        k,
                        eq,
                        &observed,
                        Finish::SubFrom(x),
                        u,
                        &mut scratch.temps,
                    )?;
                    outside[k] = self.check_abducted(k, x, u, lo, strict, flags)?;
                }
                for (k, v) in vals.iter_mut().enumerate() {
                    if !moved[k] {
                        v.copy_from_slice(ob[k]);
                    }
                }
                for &k in path {
                    let out = std::mem::take(&mut vals[k]);
                    let r = {
                        let cf = |v: u32| -> &[f64] { vals.get(v as usize).map_or(&[], |s| &**s) };
                        let eq = &model.equations[k];
                        let finish = match eq {
                            Equation::Fixed(_) => Finish::Store,
                            _ => Finish::Add(&*us[k]),
                        };
                        let r = model.compute_block(k, eq, &cf, finish, out, &mut scratch.temps);
                        if r.is_ok() && !roots.contains(&k) {
                            keep_unchanged(
                                &model.parents[k],
                                moved,
                                &cf,
                                &observed,
                                ob[k],
                                out,
                                &mut scratch.diff,
                            );
                        }
                        r
                    };
                    vals[k] = out;
                    r?;
                }
                Ok(outside)
            })
            .collect();
        sum_counts(results, self.len())
    }

    /// Column by column, for models with host-language equations: each
    /// equation is called once for all rows.
    #[allow(clippy::too_many_arguments)]
    fn counterfactual_columns(
        &self,
        model: &Scm,
        obs: &[&[f64]],
        path: &[usize],
        moved: &[bool],
        roots: &[usize],
        strict: bool,
        values: &mut [&mut [f64]],
        noise: &mut [&mut [f64]],
        in_support: &mut [bool],
    ) -> Result<Vec<usize>, ScmError> {
        in_support.fill(true);
        let mut outside = vec![0usize; self.len()];
        for &k in &self.order {
            let u = &mut *noise[k];
            self.compute(k, &self.equations[k], obs, Finish::SubFrom(obs[k]), u)?;
            outside[k] = self.check_abducted(k, obs[k], u, 0, strict, in_support)?;
        }
        for (k, v) in values.iter_mut().enumerate() {
            if !moved[k] {
                v.copy_from_slice(obs[k]);
            }
        }
        let mut diff = Vec::new();
        for &k in path {
            let mut col = std::mem::take(&mut values[k]);
            let result = {
                let views: Vec<&[f64]> = values.iter().map(|c| &**c).collect();
                let eq = &model.equations[k];
                let finish = match eq {
                    Equation::Fixed(_) => Finish::Store,
                    _ => Finish::Add(&*noise[k]),
                };
                let r = model.compute(k, eq, &views, finish, col);
                if r.is_ok() && !roots.contains(&k) {
                    let cf = |v: u32| -> &[f64] { views.get(v as usize).copied().unwrap_or(&[]) };
                    let observed =
                        |v: u32| -> &[f64] { obs.get(v as usize).copied().unwrap_or(&[]) };
                    keep_unchanged(
                        &model.parents[k],
                        moved,
                        &cf,
                        &observed,
                        obs[k],
                        col,
                        &mut diff,
                    );
                }
                r
            };
            std::mem::swap(&mut values[k], &mut col);
            result?;
        }
        Ok(outside)
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

    /// Checks the abducted noise `u = x − f_k(parents)` of variable `k`
    /// against its distribution; `row0` numbers the rows. A noise-free
    /// variable must have (almost) none and a `Uniform` one must stay in its
    /// bounds (anything else is impossible under the model: an error). An
    /// empirical distribution's range is where the model has seen noise:
    /// rows outside it are counted and cleared in `in_support` (with
    /// `strict`, the first one is an error). Returns that count.
    fn check_abducted(
        &self,
        k: usize,
        x: &[f64],
        u: &[f64],
        row0: usize,
        strict: bool,
        in_support: &mut [bool],
    ) -> Result<usize, ScmError> {
        match &self.noises[k] {
            Noise::Uniform { low, high } => {
                let (low, high) = (*low, *high);
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
                Ok(0)
            }
            Noise::Empirical(values) => {
                let (low, high) = values.range();
                let slack = 1e-9 * 1.0_f64.max(low.abs()).max(high.abs());
                let (lo, hi) = (low - slack, high + slack);
                let mut count = 0;
                for (i, (&e, flag)) in u.iter().zip(in_support.iter_mut()).enumerate() {
                    if !(e >= lo && e <= hi) {
                        if strict {
                            return Err(ScmError::NoiseOutOfSupport {
                                node: self.names[k].clone(),
                                row: row0 + i,
                                noise: e,
                                low,
                                high,
                                values: values.len(),
                            });
                        }
                        *flag = false;
                        count += 1;
                    }
                }
                Ok(count)
            }
            Noise::None => {
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
                Ok(0)
            }
            Noise::Normal { .. } => Ok(0),
        }
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

/// The first error in block order, or the per-variable counts summed.
fn sum_counts(
    results: Vec<Result<Vec<usize>, ScmError>>,
    vars: usize,
) -> Result<Vec<usize>, ScmError> {
    let mut total = vec![0usize; vars];
    for r in results {
        for (t, c) in total.iter_mut().zip(r?) {
            *t += c;
        }
    }
    Ok(total)
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
    diff: &mut Vec<u64>,
) {
    diff.clear();
    diff.resize(out.len(), 0);
    for &p in parents {
        if !moved.get(p).copied().unwrap_or(true) {
            continue;
        }
        let (c, b) = (cf(p as u32), obs(p as u32));
        for ((d, c), b) in diff.iter_mut().zip(c).zip(b) {
            *d |= c.to_bits() ^ b.to_bits();
        }
    }
    for ((o, &xi), &d) in out.iter_mut().zip(x).zip(diff.iter()) {
        if d == 0 {
            *o = xi;
        }
    }
}
