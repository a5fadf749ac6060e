//! Judging a proposed action: find the norms that apply, rank them, and let the
//! highest-ranked decide; every disagreeing norm is recorded with the first
//! rule (superior, specialis, posterior) that ranks it below the winner.

use super::context::ActionContext;
use super::error::EthosError;
use super::norm::{CompiledNorm, Modality, Norm};
use super::verdict::{Defeat, DeonticVerdict, Rule};
use crate::expr::{ColumnTable, Scratch};
use crate::graph::NodeId;
use std::cmp::Ordering;

/// A set of norms that judges proposed actions.
///
/// Changes are all-or-nothing: a norm that fails to compile leaves the ethos
/// as it was.
#[derive(Clone, Debug, Default)]
pub struct Ethos {
    norms: Vec<CompiledNorm>,
    table: ColumnTable,
}

/// Rank of a norm: priority, then specificity, then time (greater wins).
fn rank(a: &Norm, b: &Norm) -> Ordering {
    a.priority
        .cmp(&b.priority)
        .then(a.specificity.cmp(&b.specificity))
        .then(a.time.total_cmp(&b.time))
}

/// The first rule that ranks `loser` below `winner`, with the comparison.
fn deciding_rule(winner: &Norm, loser: &Norm) -> Option<(Rule, String)> {
    if winner.priority != loser.priority {
        Some((
            Rule::LexSuperior,
            format!("priority {} > {}", winner.priority, loser.priority),
        ))
    } else if winner.specificity != loser.specificity {
        Some((
            Rule::LexSpecialis,
            format!("specificity {} > {}", winner.specificity, loser.specificity),
        ))
    } else if winner.time.total_cmp(&loser.time) != Ordering::Equal {
        Some((
            Rule::LexPosterior,
            format!(
                "enacted {} > {}",
                enactment_text(winner.time),
                enactment_text(loser.time)
            ),
        ))
    } else {
        None
    }
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

    /// Builds an ethos from norms; fails on a duplicate id or an invalid norm.
    pub fn with_norms(norms: impl IntoIterator<Item = Norm>) -> Result<Ethos, EthosError> {
        let mut ethos = Ethos::new();
        for norm in norms {
            ethos.add(norm)?;
        }
        Ok(ethos)
    }

    /// Adds a norm. Its id must be new.
    pub fn add(&mut self, norm: Norm) -> Result<(), EthosError> {
        if self.position(&norm.id).is_some() {
            return Err(EthosError::DuplicateNorm { id: norm.id });
        }
        // Compile against a copy so a failure leaves the column table untouched.
        let mut table = self.table.clone();
        let compiled = CompiledNorm::compile(norm, &mut table)?;
        self.table = table;
        self.norms.push(compiled);
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
        self.table = table;
        if let Some(slot) = self.norms.get_mut(i) {
            *slot = compiled;
        }
        Ok(())
    }

    /// Removes a norm and returns it.
    pub fn remove(&mut self, id: &NodeId) -> Result<Norm, EthosError> {
        let i = self
            .position(id)
            .ok_or_else(|| EthosError::UnknownNorm { id: id.clone() })?;
        Ok(self.norms.remove(i).norm)
    }

    pub fn get(&self, id: &NodeId) -> Option<&Norm> {
        self.position(id)
            .and_then(|i| self.norms.get(i))
            .map(|c| &c.norm)
    }

    pub fn norms(&self) -> impl Iterator<Item = &Norm> {
        self.norms.iter().map(|c| &c.norm)
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

    /// Judges `action` in `context`.
    ///
    /// `now`, when given, leaves out norms enacted after it (not yet in force).
    /// The applicable norms are ranked by priority, then specificity, then
    /// time; the highest decides. When several disagreeing norms share the top
    /// rank no rule can decide: the action is then impermissible if any of them
    /// forbids it, and optional otherwise. No applicable norm: optional.
    pub fn evaluate(
        &self,
        action: &str,
        context: &ActionContext<'_>,
        now: Option<f64>,
    ) -> Result<DeonticVerdict, EthosError> {
        if let Some(t) = now {
            if t.is_nan() {
                return Err(EthosError::InvalidArgument {
                    name: "time",
                    message: "NaN is not a time".to_owned(),
                });
            }
        }
        // The full row: the context's values, then the norms' context reads.
        let mut row = vec![f64::NAN; self.table.len()];
        let mut present = vec![false; self.table.len()];
        for (name, &slot) in self.table.names().iter().zip(self.table.input_slots()) {
            if let Some(v) = context.get(name) {
                present[slot as usize] = true;
                row[slot as usize] = v;
            }
        }
        self.table
            .fill_row(&mut row)
            .map_err(|source| EthosError::Read { source })?;
        let mut stack = Scratch::new();
        let mut applicable: Vec<&Norm> = Vec::new();
        for c in &self.norms {
            if !c.norm.governs(action) || now.is_some_and(|t| c.norm.time > t) {
                continue;
            }
            if c.holds(action, context, &row, &present, &self.table, &mut stack)? {
                applicable.push(&c.norm);
            }
        }
        Ok(resolve(action, &applicable))
    }
}

fn resolve(action: &str, applicable: &[&Norm]) -> DeonticVerdict {
    let ids = applicable.iter().map(|n| n.id.clone()).collect();
    // The first of the top-ranked norms in insertion order, so ties are stable.
    let winner = applicable
        .iter()
        .copied()
        .fold(None::<&Norm>, |best, n| match best {
            Some(b) if rank(n, b) != Ordering::Greater => Some(b),
            _ => Some(n),
        });
    let Some(winner) = winner else {
        return DeonticVerdict {
            action: action.to_owned(),
            modality: Modality::Optional,
            decided_by: None,
            applicable: ids,
            concurring: Vec::new(),
            defeated: Vec::new(),
            unresolved: Vec::new(),
        };
    };
    let mut concurring = Vec::new();
    let mut defeated = Vec::new();
    let mut unresolved = Vec::new();
    for n in applicable.iter().filter(|n| n.id != winner.id) {
        if n.modality == winner.modality {
            concurring.push(n.id.clone());
            continue;
        }
        match deciding_rule(winner, n) {
            Some((rule, reason)) => defeated.push(Defeat {
                norm: n.id.clone(),
                by: winner.id.clone(),
                rule,
                reason,
            }),
            None => unresolved.push(n),
        }
    }
    let modality = if unresolved.is_empty() {
        winner.modality
    } else if winner.modality == Modality::Impermissible
        || unresolved
            .iter()
            .any(|n| n.modality == Modality::Impermissible)
    {
        Modality::Impermissible
    } else {
        Modality::Optional
    };
    DeonticVerdict {
        action: action.to_owned(),
        modality,
        decided_by: Some(winner.id.clone()),
        applicable: ids,
        concurring,
        defeated,
        unresolved: unresolved.iter().map(|n| n.id.clone()).collect(),
    }
}
