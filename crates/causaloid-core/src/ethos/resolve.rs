//! Judging a proposed action: find the norms that vet it (by action name and
//! tags) and whose predicates hold, drop those an applicable norm explicitly
//! defeats, and settle the rest by the ethos's calculus: by default the
//! highest-ranked decides and every disagreeing norm is recorded with the
//! first rule (superior, specialis, posterior) that ranks it below the winner.

use super::context::ActionContext;
use super::error::EthosError;
use super::norm::{CompiledNorm, Modality, Norm};
use super::verdict::{Calculus, Defeat, DeonticVerdict, Rule};
use crate::expr::{ColumnTable, Scratch};
use crate::graph::{Missing, NodeId};
use std::cmp::Ordering;
use std::collections::HashMap;

/// What the relations between norms imply for one norm, derived at build.
#[derive(Clone, Debug, Default)]
struct Derived {
    /// Its tags and its ancestors' (sorted, unique).
    tags: Vec<String>,
    /// At least one more than its parent's.
    specificity: i64,
    /// Parent, grandparent, ...: their predicates must hold too.
    ancestors: Vec<usize>,
    /// The norms that declare they defeat it.
    defeated_by: Vec<usize>,
}

/// A set of norms that judges proposed actions.
///
/// Changes are all-or-nothing: a norm that fails to compile, or names a norm
/// the ethos does not hold, or closes a loop of defeats or specializations,
/// leaves the ethos as it was.
#[derive(Clone, Debug, Default)]
pub struct Ethos {
    norms: Vec<CompiledNorm>,
    table: ColumnTable,
    calculus: Calculus,
    /// Declared tags of action names.
    action_tags: Vec<(String, Vec<String>)>,
    derived: Vec<Derived>,
    /// Norm indices, every defeater before the norms it defeats.
    defeat_order: Vec<usize>,
}

/// The rank of a norm with its derived specificity.
#[derive(Clone, Copy)]
struct Ranked<'a> {
    norm: &'a Norm,
    specificity: i64,
}

/// Rank: priority, then specificity, then time (greater wins).
/// Up to this many norms of unknown applicability (`Missing::Propagate`),
/// every way they may apply is tried; beyond it the action is refused.
const MAX_UNKNOWN_NORMS: usize = 12;

fn rank(a: Ranked<'_>, b: Ranked<'_>) -> Ordering {
    a.norm
        .priority
        .cmp(&b.norm.priority)
        .then(a.specificity.cmp(&b.specificity))
        .then(a.norm.time.total_cmp(&b.norm.time))
}

fn strength(m: Modality) -> u8 {
    match m {
        Modality::Impermissible => 2,
        Modality::Obligatory => 1,
        Modality::Optional => 0,
    }
}

/// The total order that picks a winner whatever the insertion order: rank,
/// then the stronger modality (a tie is settled by caution), then the smaller id.
fn precedence(a: Ranked<'_>, b: Ranked<'_>) -> Ordering {
    rank(a, b)
        .then(strength(a.norm.modality).cmp(&strength(b.norm.modality)))
        .then(b.norm.id.cmp(&a.norm.id))
}

/// The first rule that ranks `loser` below `winner`, with the comparison.
fn deciding_rule(winner: Ranked<'_>, loser: Ranked<'_>) -> Option<(Rule, String)> {
    let (w, l) = (winner.norm, loser.norm);
    if w.priority != l.priority {
        Some((
            Rule::LexSuperior,
            format!("priority {} > {}", w.priority, l.priority),
        ))
    } else if winner.specificity != loser.specificity {
        Some((
            Rule::LexSpecialis,
            format!("specificity {} > {}", winner.specificity, loser.specificity),
        ))
    } else if w.time.total_cmp(&l.time) != Ordering::Equal {
        Some((
            Rule::LexPosterior,
            format!(
                "enacted {} > {}",
                enactment_text(w.time),
                enactment_text(l.time)
            ),
        ))
    } else {
        None
    }
}

/// Whether an action carrying `action` tags is vetted by a norm carrying
/// `norm` tags: an untagged norm vets every action; a tagged one, the actions
/// sharing at least one tag with it. Both lists are sorted.
fn tags_match(norm: &[String], action: &[String]) -> bool {
    norm.is_empty() || norm.iter().any(|t| action.binary_search(t).is_ok())
}

fn sorted_unique(mut tags: Vec<String>) -> Vec<String> {
    tags.sort();
    tags.dedup();
    tags
}

/// Derives the relations' consequences; fails on an unknown norm or a loop.
fn derive(norms: &[CompiledNorm]) -> Result<(Vec<Derived>, Vec<usize>), EthosError> {
    let n = norms.len();
    let index: HashMap<&NodeId, usize> = norms
        .iter()
        .enumerate()
        .map(|(i, c)| (&c.norm.id, i))
        .collect();
    let lookup = |norm: &Norm, relation: &'static str, target: &NodeId| {
        index
            .get(target)
            .copied()
            .ok_or_else(|| EthosError::UnknownRelation {
                norm: norm.id.clone(),
                relation,
                target: target.clone(),
            })
    };
    let mut parent = vec![None; n];
    let mut defeats: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut derived: Vec<Derived> = vec![Derived::default(); n];
    for (i, c) in norms.iter().enumerate() {
        if let Some(p) = &c.norm.inherits {
            parent[i] = Some(lookup(&c.norm, "specializes", p)?);
        }
        for d in &c.norm.defeats {
            let j = lookup(&c.norm, "defeats", d)?;
            if !defeats[i].contains(&j) {
                defeats[i].push(j);
                derived[j].defeated_by.push(i);
            }
        }
    }
    let ids =
        |v: &[usize]| -> Vec<NodeId> { v.iter().map(|&k| norms[k].norm.id.clone()).collect() };
    for (i, d) in derived.iter_mut().enumerate() {
        let mut ancestors = Vec::new();
        let mut cur = parent[i];
        while let Some(p) = cur {
            if p == i {
                let mut cycle = vec![i];
                cycle.extend(&ancestors);
                return Err(EthosError::RelationCycle {
                    relation: "specialization",
                    cycle: ids(&cycle),
                });
            }
            if let Some(at) = ancestors.iter().position(|&a| a == p) {
                return Err(EthosError::RelationCycle {
                    relation: "specialization",
                    cycle: ids(&ancestors[at..]),
                });
            }
            ancestors.push(p);
            cur = parent[p];
        }
        let mut tags: Vec<String> = norms[i].norm.tags.clone();
        let mut specificity = None::<i64>;
        for &a in ancestors.iter().rev() {
            let own = norms[a].norm.specificity;
            specificity = Some(specificity.map_or(own, |s| own.max(s.saturating_add(1))));
            tags.extend(norms[a].norm.tags.iter().cloned());
        }
        let own = norms[i].norm.specificity;
        d.specificity = specificity.map_or(own, |s| own.max(s.saturating_add(1)));
        d.tags = sorted_unique(tags);
        d.ancestors = ancestors;
    }
    // Kahn's order over "defeats" edges; what it cannot place lies on a loop.
    let mut indegree: Vec<usize> = derived.iter().map(|d| d.defeated_by.len()).collect();
    let mut order: Vec<usize> = (0..n).filter(|&i| indegree[i] == 0).collect();
    let mut k = 0;
    while let Some(&i) = order.get(k) {
        k += 1;
        for &j in &defeats[i] {
            indegree[j] -= 1;
            if indegree[j] == 0 {
                order.push(j);
            }
        }
    }
    if order.len() < n {
        // Walk back along remaining defeaters until a norm repeats.
        let left = |i: usize| indegree[i] > 0;
        let mut walk: Vec<usize> = Vec::new();
        let mut cur = (0..n).find(|&i| left(i));
        while let Some(i) = cur {
            if let Some(at) = walk.iter().position(|&w| w == i) {
                let mut cycle: Vec<usize> = walk[at..].to_vec();
                cycle.reverse();
                return Err(EthosError::RelationCycle {
                    relation: "defeat",
                    cycle: ids(&cycle),
                });
            }
            walk.push(i);
            cur = derived[i].defeated_by.iter().copied().find(|&p| left(p));
        }
    }
    Ok((derived, order))
}

/// The result of choosing among alternative actions.
#[derive(Clone, Debug, PartialEq)]
pub struct Choice {
    /// One verdict per alternative, in the order given.
    pub verdicts: Vec<DeonticVerdict>,
    /// The chosen alternative's index, or None when every one is forbidden.
    pub chosen: Option<usize>,
    /// Why, in words.
    pub reason: String,
}

/// A norm's enactment time (seconds since 1970-01-01 UTC) as an ISO date,
/// with the time of day when it is not midnight: `2024-01-01`,
/// `2024-01-01T12:30:00Z`. A time outside the calendar range the contexts
/// accept, or with a fraction of a second, stays a number.
fn enactment_text(t: f64) -> String {
    let whole =
        t.is_finite() && t.fract() == 0.0 && t.abs() <= crate::context::MAX_ABS_SECONDS as f64;
    if !whole {
        return format!("at {t}");
    }
    let secs = t as i64;
    let (y, m, d) = crate::context::civil_from_days(secs.div_euclid(86_400));
    let tod = secs.rem_euclid(86_400);
    if tod == 0 {
        format!("{y:04}-{m:02}-{d:02}")
    } else {
        let (hh, mm, ss) = (tod / 3600, tod % 3600 / 60, tod % 60);
        format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}Z")
    }
}

#[cfg(test)]
mod enactment_tests {
    use super::enactment_text;

    #[test]
    fn enactment_times_read_as_iso_dates() {
        assert_eq!(enactment_text(1_704_067_200.0), "2024-01-01");
        assert_eq!(enactment_text(978_307_200.0), "2001-01-01");
        assert_eq!(enactment_text(1_704_069_000.0), "2024-01-01T00:30:00Z");
        assert_eq!(enactment_text(-86_400.0), "1969-12-31");
        assert_eq!(enactment_text(0.5), "at 0.5");
        assert_eq!(enactment_text(f64::NAN), "at NaN");
    }
}

impl Ethos {
    pub fn new() -> Ethos {
        Ethos::default()
    }

    /// Builds an ethos from norms; fails on a duplicate id, an invalid norm,
    /// a relation to a norm not among them, or a loop of relations.
    pub fn with_norms(norms: impl IntoIterator<Item = Norm>) -> Result<Ethos, EthosError> {
        let mut ethos = Ethos::new();
        for norm in norms {
            if ethos.position(&norm.id).is_some() {
                return Err(EthosError::DuplicateNorm { id: norm.id });
            }
            let compiled = CompiledNorm::compile(norm, &mut ethos.table)?;
            ethos.norms.push(compiled);
        }
        ethos.relink()?;
        Ok(ethos)
    }

    /// Recomputes what the relations imply.
    fn relink(&mut self) -> Result<(), EthosError> {
        let (derived, order) = derive(&self.norms)?;
        self.derived = derived;
        self.defeat_order = order;
        Ok(())
    }

    /// Sets how surviving norms settle on one status.
    pub fn set_calculus(&mut self, calculus: Calculus) {
        self.calculus = calculus;
    }

    pub fn calculus(&self) -> Calculus {
        self.calculus
    }

    /// Declares the tags `action` carries (replacing earlier ones); norms
    /// with tags vet it only if they share one.
    pub fn set_action_tags(&mut self, action: &str, tags: Vec<String>) -> Result<(), EthosError> {
        if action.is_empty() {
            return Err(EthosError::InvalidArgument {
                name: "action_tags",
                message: "an action name is empty".to_owned(),
            });
        }
        if tags.iter().any(|t| t.trim().is_empty()) {
            return Err(EthosError::InvalidArgument {
                name: "action_tags",
                message: format!("action {action:?}: a tag is empty"),
            });
        }
        let tags = sorted_unique(tags);
        match self.action_tags.iter_mut().find(|(a, _)| a == action) {
            Some((_, t)) => *t = tags,
            None => self.action_tags.push((action.to_owned(), tags)),
        }
        Ok(())
    }

    /// The declared tags of `action` (sorted).
    pub fn action_tags(&self, action: &str) -> &[String] {
        self.action_tags
            .iter()
            .find(|(a, _)| a == action)
            .map_or(&[], |(_, t)| t.as_slice())
    }

    /// Every action with declared tags.
    pub fn tagged_actions(&self) -> &[(String, Vec<String>)] {
        &self.action_tags
    }

    /// Adds a norm. Its id must be new, and the norms it names must exist.
    pub fn add(&mut self, norm: Norm) -> Result<(), EthosError> {
        if self.position(&norm.id).is_some() {
            return Err(EthosError::DuplicateNorm { id: norm.id });
        }
        // Compile against a copy so a failure leaves the column table untouched.
        let mut table = self.table.clone();
        let compiled = CompiledNorm::compile(norm, &mut table)?;
        self.norms.push(compiled);
        if let Err(e) = self.relink() {
            self.norms.pop();
            return Err(e);
        }
        self.table = table;
        Ok(())
    }

    /// Replaces the norm of the same id, keeping its place.
    pub fn update(&mut self, norm: Norm) -> Result<(), EthosError> {
        let i = self
            .position(&norm.id)
            .ok_or_else(|| EthosError::UnknownNorm {
                id: norm.id.clone(),
            })?;
        let mut table = self.table.clone();
        let compiled = CompiledNorm::compile(norm, &mut table)?;
        let old = std::mem::replace(&mut self.norms[i], compiled);
        if let Err(e) = self.relink() {
            self.norms[i] = old;
            return Err(e);
        }
        self.table = table;
        Ok(())
    }

    /// Removes a norm and returns it; no other norm may name it.
    pub fn remove(&mut self, id: &NodeId) -> Result<Norm, EthosError> {
        let i = self
            .position(id)
            .ok_or_else(|| EthosError::UnknownNorm { id: id.clone() })?;
        for c in &self.norms {
            let relation = if c.norm.inherits.as_ref() == Some(id) {
                "specializes"
            } else if c.norm.defeats.contains(id) {
                "defeats"
            } else {
                continue;
            };
            return Err(EthosError::NormInUse {
                id: id.clone(),
                by: c.norm.id.clone(),
                relation,
            });
        }
        let removed = self.norms.remove(i).norm;
        self.relink()?;
        Ok(removed)
    }

    pub fn get(&self, id: &NodeId) -> Option<&Norm> {
        self.position(id)
            .and_then(|i| self.norms.get(i))
            .map(|c| &c.norm)
    }

    pub fn norms(&self) -> impl Iterator<Item = &Norm> {
        self.norms.iter().map(|c| &c.norm)
    }

    /// A norm's tags with its ancestors' (sorted), and its specificity as
    /// ranked (at least one more than its parent's).
    pub fn effective(&self, id: &NodeId) -> Option<(&[String], i64)> {
        let i = self.position(id)?;
        self.derived
            .get(i)
            .map(|d| (d.tags.as_slice(), d.specificity))
    }

    /// Names of the context values the norms' expressions read.
    pub fn columns(&self) -> &[String] {
        self.table.names()
    }

    pub fn len(&self) -> usize {
        self.norms.len()
    }

    pub fn is_empty(&self) -> bool {
        self.norms.is_empty()
    }

    fn position(&self, id: &NodeId) -> Option<usize> {
        self.norms.iter().position(|c| c.norm.id == *id)
    }

    fn ranked(&self, i: usize) -> Ranked<'_> {
        Ranked {
            norm: &self.norms[i].norm,
            specificity: self.derived.get(i).map_or(0, |d| d.specificity),
        }
    }

    /// Vets an action a structure (a model's causaloid, a state's) proposes
    /// by deciding `verdict`: `None` when the verdict is not active (nothing
    /// is proposed, nothing judged), else the judgement of `action` in
    /// `context` with `"verdict"` (the verdict as a degree) in front of its
    /// values, as a state machine's ethos sees a firing.
    pub fn vet(
        &self,
        action: &str,
        tags: &[String],
        verdict: crate::value::Verdict,
        context: &ActionContext<'_>,
        now: Option<f64>,
    ) -> Result<Option<DeonticVerdict>, EthosError> {
        self.vet_with(action, tags, verdict, context, now, Missing::Raise)
    }

    /// [`Ethos::vet`], deciding a missing value a norm reads by `missing`
    /// (see [`Ethos::evaluate_tagged_with`]).
    pub fn vet_with(
        &self,
        action: &str,
        tags: &[String],
        verdict: crate::value::Verdict,
        context: &ActionContext<'_>,
        now: Option<f64>,
        missing: Missing,
    ) -> Result<Option<DeonticVerdict>, EthosError> {
        if !verdict.is_active() {
            return Ok(None);
        }
        context
            .with_leading(crate::csm::VERDICT, verdict.degree(), |view| {
                self.evaluate_tagged_with(action, tags, view, now, missing)
            })
            .map(Some)
    }

    /// Judges `action` in `context`, with the tags declared for it.
    ///
    /// `now`, when given, leaves out norms enacted after it (not yet in force).
    /// See [`Ethos::evaluate_tagged`].
    pub fn evaluate(
        &self,
        action: &str,
        context: &ActionContext<'_>,
        now: Option<f64>,
    ) -> Result<DeonticVerdict, EthosError> {
        self.evaluate_tagged(action, &[], context, now)
    }

    /// Judges `action` carrying `tags` besides those declared for it.
    ///
    /// 1. The norms that govern the action (its name or `"*"`), whose tags
    ///    match the action's (an untagged norm vets every action), that are in
    ///    force at `now`, and whose predicate holds (and their ancestors'),
    ///    *apply*.
    /// 2. An applicable norm declared to defeat another applicable norm takes
    ///    it out, unless it is itself taken out (in the DeepCausality calculus
    ///    only when it outranks it on priority, specificity or time).
    /// 3. The calculus settles the rest. Priority: the highest-ranked decides
    ///    (priority, then specificity, then time); when disagreeing norms tie
    ///    on all three, no rule decides and the action is impermissible if one
    ///    of them forbids it, optional otherwise. DeepCausality: impermissible
    ///    if one forbids it, else obligatory if one requires it, else optional.
    ///    No applicable norm: optional.
    ///
    /// A missing value (NaN) a norm's predicate reads raises a
    /// `MissingValue` error naming the norm and the column; see
    /// [`Ethos::evaluate_tagged_with`] for the other policies.
    pub fn evaluate_tagged(
        &self,
        action: &str,
        tags: &[String],
        context: &ActionContext<'_>,
        now: Option<f64>,
    ) -> Result<DeonticVerdict, EthosError> {
        self.evaluate_tagged_with(action, tags, context, now, Missing::Raise)
    }

    /// [`Ethos::evaluate_tagged`], deciding a missing value (NaN) a norm's
    /// predicate reads by `missing`: `False` / `True` decide that the
    /// predicate does not hold / holds; `Propagate` leaves it unknown. The
    /// status is then what every way the unknown norms may apply agrees on;
    /// when they disagree the verdict is *undecided* and takes the fail-safe
    /// status: impermissible if one of those ways forbids the action, else
    /// optional (an unknown obligation is not an obligation). An unknown
    /// prohibition never silently permits.
    pub fn evaluate_tagged_with(
        &self,
        action: &str,
        tags: &[String],
        context: &ActionContext<'_>,
        now: Option<f64>,
        missing: Missing,
    ) -> Result<DeonticVerdict, EthosError> {
        if let Some(t) = now {
            if t.is_nan() {
                return Err(EthosError::InvalidArgument {
                    name: "time",
                    message: "NaN is not a time".to_owned(),
                });
            }
        }
        if tags.iter().any(|t| t.trim().is_empty()) {
            return Err(EthosError::InvalidArgument {
                name: "tags",
                message: "a tag is empty".to_owned(),
            });
        }
        let declared = self.action_tags(action);
        // Declared tags are kept sorted and unique: merge only when the call adds some.
        let action_tags = if tags.is_empty() {
            declared.to_vec()
        } else {
            sorted_unique(declared.iter().chain(tags).cloned().collect())
        };
        // The full row: the context's values, then the norms' context reads.
        let mut row = vec![f64::NAN; self.table.len()];
        let mut present = vec![false; self.table.len()];
        for (name, &slot) in self.table.names().iter().zip(self.table.input_slots()) {
            if let Some(v) = context.get(name) {
                present[slot as usize] = true;
                row[slot as usize] = v;
            }
        }
        // An uncertain contextoid's value stays out of the row: the norms
        // reading it are decided on samples (see `CompiledNorm::holds`).
        self.table
            .fill_row_certain(&mut row)
            .map_err(|source| EthosError::Read { source })?;
        let mut stack = Scratch::new();
        let n = self.norms.len();
        // Per norm: not decided yet (None), or whether its predicate holds
        // (Some(None): unknown, it reads a missing value).
        let mut held: Vec<Option<Option<bool>>> = vec![None; n];
        let mut decisions = Vec::new();
        let mut notes = Vec::new();
        // Whether each norm applies (None: unknown).
        let mut applies: Vec<Option<bool>> = vec![Some(false); n];
        for (i, c) in self.norms.iter().enumerate() {
            let d = &self.derived[i];
            if !c.norm.governs(action)
                || now.is_some_and(|t| c.norm.time > t)
                || !tags_match(&d.tags, &action_tags)
            {
                continue;
            }
            // Its predicate and its ancestors', three-valued: false decides.
            let mut holds = Some(true);
            for &k in std::iter::once(&i).chain(&d.ancestors) {
                let h = match held[k] {
                    Some(h) => h,
                    None => {
                        let (h, ds) = self.norms[k].holds(
                            action,
                            context,
                            &row,
                            &present,
                            &self.table,
                            &mut stack,
                            missing,
                            &mut notes,
                        )?;
                        decisions.extend(ds);
                        held[k] = Some(h);
                        h
                    }
                };
                match h {
                    Some(false) => {
                        holds = Some(false);
                        break;
                    }
                    None => holds = None,
                    Some(true) => {}
                }
            }
            applies[i] = holds;
        }
        let unknown: Vec<usize> = (0..n).filter(|&i| applies[i].is_none()).collect();
        let applicable: Vec<bool> = applies.iter().map(|a| a.unwrap_or(false)).collect();
        let mut verdict = self.resolve(action, &applicable);
        let mut undecided = false;
        if !unknown.is_empty() {
            // Every way the unknown norms may apply (the first: none does).
            let fail_safe = |vs: &[DeonticVerdict]| -> Option<DeonticVerdict> {
                [Modality::Impermissible, Modality::Optional]
                    .iter()
                    .find_map(|m| vs.iter().find(|v| v.modality == *m).cloned())
            };
            if unknown.len() <= MAX_UNKNOWN_NORMS {
                let mut variants = vec![verdict.clone()];
                for mask in 1u32..(1u32 << unknown.len()) {
                    let mut a = applicable.clone();
                    for (b, &i) in unknown.iter().enumerate() {
                        if mask >> b & 1 == 1 {
                            a[i] = true;
                        }
                    }
                    variants.push(self.resolve(action, &a));
                }
                undecided = variants.iter().any(|v| v.modality != verdict.modality);
                if undecided {
                    if let Some(v) = fail_safe(&variants) {
                        verdict = v;
                    }
                }
            } else {
                // Too many to try each way: refused, by caution.
                undecided = true;
                let mut all = applicable.clone();
                for &i in &unknown {
                    all[i] = true;
                }
                let both = [verdict.clone(), self.resolve(action, &all)];
                verdict = fail_safe(&both).unwrap_or(verdict);
                verdict.modality = Modality::Impermissible;
            }
        }
        verdict.tags = action_tags;
        verdict.decisions = decisions;
        verdict.unknown = unknown
            .iter()
            .map(|&i| self.norms[i].norm.id.clone())
            .collect();
        verdict.missing = notes;
        verdict.undecided = undecided;
        Ok(verdict)
    }

    /// The status of `action` when exactly the norms marked in `applicable`
    /// apply: explicit defeats, then the calculus.
    fn resolve(&self, action: &str, applicable: &[bool]) -> DeonticVerdict {
        let n = self.norms.len();
        // Explicit defeats, defeaters first: a norm taken out defeats nothing.
        let mut out = vec![false; n];
        let mut defeated = Vec::new();
        for &j in &self.defeat_order {
            if !applicable[j] {
                continue;
            }
            let by = self.derived[j]
                .defeated_by
                .iter()
                .copied()
                .filter(|&i| applicable[i] && !out[i])
                .filter_map(|i| self.explicit_reason(i, j).map(|r| (i, r)))
                .max_by(|(a, _), (b, _)| precedence(self.ranked(*a), self.ranked(*b)));
            if let Some((i, reason)) = by {
                out[j] = true;
                defeated.push(Defeat {
                    norm: self.norms[j].norm.id.clone(),
                    by: self.norms[i].norm.id.clone(),
                    rule: Rule::Explicit,
                    reason,
                });
            }
        }
        let ids = (0..n)
            .filter(|&i| applicable[i])
            .map(|i| self.norms[i].norm.id.clone())
            .collect();
        let survivors: Vec<usize> = (0..n).filter(|&i| applicable[i] && !out[i]).collect();
        let mut verdict = match self.calculus {
            Calculus::Priority => self.resolve_priority(action, &survivors, defeated),
            Calculus::DeepCausality => self.resolve_modal(action, &survivors, defeated),
        };
        verdict.applicable = ids;
        if verdict.modality == Modality::Optional {
            let mut standing: Vec<&Norm> = survivors
                .iter()
                .map(|&i| &self.norms[i].norm)
                .filter(|n| {
                    n.modality == Modality::Optional
                        && !verdict.defeated.iter().any(|d| d.norm == n.id)
                })
                .collect();
            // Summed in id order, so the cost does not depend on insertion order.
            standing.sort_by(|a, b| a.id.cmp(&b.id));
            verdict.cost = standing.iter().map(|n| n.cost).sum();
        }
        verdict
    }

    /// Why norm `i`'s declared defeat of norm `j` takes effect (None: it
    /// does not, in the DeepCausality calculus, when `i` does not outrank `j`).
    fn explicit_reason(&self, i: usize, j: usize) -> Option<String> {
        let (a, b) = (self.ranked(i), self.ranked(j));
        let declared = format!("declared: {} defeats {}", a.norm.id, b.norm.id);
        match self.calculus {
            Calculus::Priority => Some(declared),
            Calculus::DeepCausality => {
                let why = if a.norm.priority > b.norm.priority {
                    format!("priority {} > {}", a.norm.priority, b.norm.priority)
                } else if a.specificity > b.specificity {
                    format!("specificity {} > {}", a.specificity, b.specificity)
                } else if a.norm.time > b.norm.time {
                    format!(
                        "enacted {} > {}",
                        enactment_text(a.norm.time),
                        enactment_text(b.norm.time)
                    )
                } else {
                    return None;
                };
                Some(format!("{declared}, and it outranks it: {why}"))
            }
        }
    }

    fn empty_verdict(&self, action: &str, defeated: Vec<Defeat>) -> DeonticVerdict {
        DeonticVerdict {
            action: action.to_owned(),
            modality: Modality::Optional,
            decided_by: None,
            applicable: Vec::new(),
            concurring: Vec::new(),
            defeated,
            unresolved: Vec::new(),
            calculus: self.calculus,
            tags: Vec::new(),
            cost: 0.0,
            decisions: Vec::new(),
            unknown: Vec::new(),
            missing: Vec::new(),
            undecided: false,
        }
    }

    fn resolve_priority(
        &self,
        action: &str,
        survivors: &[usize],
        mut defeated: Vec<Defeat>,
    ) -> DeonticVerdict {
        let winner = survivors
            .iter()
            .copied()
            .max_by(|&a, &b| precedence(self.ranked(a), self.ranked(b)));
        let Some(w) = winner else {
            return self.empty_verdict(action, defeated);
        };
        let win = self.ranked(w);
        let mut concurring = Vec::new();
        let mut unresolved: Vec<&Norm> = Vec::new();
        for &i in survivors.iter().filter(|&&i| i != w) {
            let r = self.ranked(i);
            if r.norm.modality == win.norm.modality {
                concurring.push(r.norm.id.clone());
                continue;
            }
            match deciding_rule(win, r) {
                Some((rule, reason)) => defeated.push(Defeat {
                    norm: r.norm.id.clone(),
                    by: win.norm.id.clone(),
                    rule,
                    reason,
                }),
                None => unresolved.push(r.norm),
            }
        }
        let modality = if unresolved.is_empty() {
            win.norm.modality
        } else if win.norm.modality == Modality::Impermissible
            || unresolved
                .iter()
                .any(|n| n.modality == Modality::Impermissible)
        {
            Modality::Impermissible
        } else {
            Modality::Optional
        };
        DeonticVerdict {
            modality,
            decided_by: Some(win.norm.id.clone()),
            concurring,
            unresolved: unresolved.iter().map(|n| n.id.clone()).collect(),
            ..self.empty_verdict(action, defeated)
        }
    }

    /// DeepCausality's calculus: impermissible over obligatory over optional.
    fn resolve_modal(
        &self,
        action: &str,
        survivors: &[usize],
        mut defeated: Vec<Defeat>,
    ) -> DeonticVerdict {
        let Some(target) = survivors
            .iter()
            .map(|&i| self.norms[i].norm.modality)
            .max_by_key(|m| strength(*m))
        else {
            return self.empty_verdict(action, defeated);
        };
        let winner = survivors
            .iter()
            .copied()
            .filter(|&i| self.norms[i].norm.modality == target)
            .max_by(|&a, &b| precedence(self.ranked(a), self.ranked(b)));
        let Some(w) = winner else {
            return self.empty_verdict(action, defeated);
        };
        let win = &self.norms[w].norm;
        let mut concurring = Vec::new();
        for &i in survivors.iter().filter(|&&i| i != w) {
            let n = &self.norms[i].norm;
            if n.modality == target {
                concurring.push(n.id.clone());
            } else {
                defeated.push(Defeat {
                    norm: n.id.clone(),
                    by: win.id.clone(),
                    rule: Rule::ModalPrecedence,
                    reason: format!("{} prevails over {}", target, n.modality),
                });
            }
        }
        DeonticVerdict {
            modality: target,
            decided_by: Some(win.id.clone()),
            concurring,
            ..self.empty_verdict(action, defeated)
        }
    }

    /// Judges each alternative and chooses one: an obligatory alternative if
    /// there is one (the first listed), else the permitted one of least cost
    /// (the first listed among equals); none when every one is forbidden.
    pub fn choose(
        &self,
        actions: &[String],
        context: &ActionContext<'_>,
        now: Option<f64>,
    ) -> Result<Choice, EthosError> {
        self.choose_with(actions, context, now, Missing::Raise)
    }

    /// [`Ethos::choose`], judging each action with a missing value decided
    /// by `missing` (an undecided verdict is never obligatory, and is
    /// refused when it could be forbidden).
    pub fn choose_with(
        &self,
        actions: &[String],
        context: &ActionContext<'_>,
        now: Option<f64>,
        missing: Missing,
    ) -> Result<Choice, EthosError> {
        if actions.is_empty() {
            return Err(EthosError::InvalidArgument {
                name: "actions",
                message: "there is nothing to choose from".to_owned(),
            });
        }
        for (k, a) in actions.iter().enumerate() {
            if actions[..k].contains(a) {
                return Err(EthosError::InvalidArgument {
                    name: "actions",
                    message: format!("action {a:?} is listed twice"),
                });
            }
        }
        let verdicts = actions
            .iter()
            .map(|a| self.evaluate_tagged_with(a, &[], context, now, missing))
            .collect::<Result<Vec<_>, _>>()?;
        let obligatory = verdicts
            .iter()
            .position(|v| v.modality == Modality::Obligatory);
        let cheapest = verdicts
            .iter()
            .enumerate()
            .filter(|(_, v)| v.permitted())
            .min_by(|(a, x), (b, y)| x.cost.total_cmp(&y.cost).then(a.cmp(b)))
            .map(|(i, _)| i);
        let chosen = obligatory.or(cheapest);
        let refused: Vec<String> = verdicts
            .iter()
            .filter(|v| !v.permitted())
            .map(|v| match &v.decided_by {
                Some(by) => format!("{:?} (impermissible by norm {by})", v.action),
                None => format!("{:?} (impermissible)", v.action),
            })
            .collect();
        let mut reason = match (chosen, obligatory) {
            (None, _) => "no alternative is permitted".to_owned(),
            (Some(i), Some(_)) => format!(
                "chose {:?}: it is obligatory{}",
                actions[i],
                verdicts[i]
                    .decided_by
                    .as_ref()
                    .map_or(String::new(), |by| format!(" by norm {by}"))
            ),
            (Some(i), None) => {
                let costs: Vec<String> = verdicts
                    .iter()
                    .filter(|v| v.permitted())
                    .map(|v| format!("{:?} at {}", v.action, v.cost))
                    .collect();
                format!(
                    "chose {:?}: the permitted alternative of least cost ({})",
                    actions[i],
                    costs.join(", ")
                )
            }
        };
        if !refused.is_empty() {
            reason.push_str(&format!("; refused: {}", refused.join(", ")));
        }
        Ok(Choice {
            verdicts,
            chosen,
            reason,
        })
    }
}
