//! The compact binary form of a [`DeonticVerdict`] (what a pickle carries).

use super::norm::Modality;
use super::verdict::{Calculus, Defeat, DeonticVerdict, Rule};
use crate::codec::{CodecError, Reader, Writer};
use crate::uncertain::Decision;

const MAGIC: [u8; 4] = *b"CLDV";
const VERSION: u16 = 3;
const RULES: [Rule; 5] = [
    Rule::LexSuperior,
    Rule::LexSpecialis,
    Rule::LexPosterior,
    Rule::Explicit,
    Rule::ModalPrecedence,
];

fn modality_index(m: Modality) -> u8 {
    Modality::ALL.iter().position(|x| *x == m).unwrap_or(0) as u8
}

/// Appends a verdict's fields (no header) to `w`.
pub(crate) fn write_verdict(w: &mut Writer, v: &DeonticVerdict) {
    w.str(&v.action);
    w.u8(modality_index(v.modality));
    match &v.decided_by {
        Some(id) => {
            w.u8(1);
            w.node_id(id);
        }
        None => w.u8(0),
    }
    w.node_ids(&v.applicable);
    w.node_ids(&v.concurring);
    w.node_ids(&v.unresolved);
    w.len(v.defeated.len());
    for d in &v.defeated {
        w.node_id(&d.norm);
        w.node_id(&d.by);
        w.u8(RULES.iter().position(|r| *r == d.rule).unwrap_or(0) as u8);
        w.str(&d.reason);
    }
    w.u8(Calculus::ALL
        .iter()
        .position(|c| *c == v.calculus)
        .unwrap_or(0) as u8);
    w.len(v.tags.len());
    for t in &v.tags {
        w.str(t);
    }
    w.f64(v.cost);
    w.len(v.decisions.len());
    for (norm, d) in &v.decisions {
        w.node_id(norm);
        w.bytes(&d.to_bytes());
    }
    w.node_ids(&v.unknown);
    w.len(v.missing.len());
    for m in &v.missing {
        w.str(m);
    }
    w.u8(u8::from(v.undecided));
}

/// Reads what [`write_verdict`] wrote.
pub(crate) fn read_verdict(r: &mut Reader<'_>) -> Result<DeonticVerdict, CodecError> {
    let action = r.str("verdict action")?;
    let m = r.u8("modality")?;
    let modality = *Modality::ALL.get(m as usize).ok_or(CodecError::Invalid {
        what: "modality",
        detail: format!("index {m}"),
    })?;
    let decided_by = if r.bool("decided_by")? {
        Some(r.node_id("decided_by")?)
    } else {
        None
    };
    let applicable = r.node_ids("applicable norms")?;
    let concurring = r.node_ids("concurring norms")?;
    let unresolved = r.node_ids("unresolved norms")?;
    let n = r.len(20, "defeated norms")?;
    let mut defeated = Vec::with_capacity(n);
    for _ in 0..n {
        let norm = r.node_id("defeated norm")?;
        let by = r.node_id("defeating norm")?;
        let k = r.u8("rule")?;
        let rule = *RULES.get(k as usize).ok_or(CodecError::Invalid {
            what: "rule",
            detail: format!("index {k}"),
        })?;
        let reason = r.str("reason")?;
        defeated.push(Defeat {
            norm,
            by,
            rule,
            reason,
        });
    }
    let c = r.u8("calculus")?;
    let calculus = *Calculus::ALL.get(c as usize).ok_or(CodecError::Invalid {
        what: "calculus",
        detail: format!("index {c}"),
    })?;
    let n = r.len(8, "action tags")?;
    let mut tags = Vec::with_capacity(n);
    for _ in 0..n {
        tags.push(r.str("action tag")?);
    }
    let cost = r.f64("cost")?;
    let n = r.len(16, "decisions")?;
    let mut decisions = Vec::with_capacity(n);
    for _ in 0..n {
        let norm = r.node_id("decision norm")?;
        let d = Decision::from_bytes(r.bytes("decision")?)?;
        decisions.push((norm, d));
    }
    let unknown = r.node_ids("unknown norms")?;
    let n = r.len(8, "missing inputs")?;
    let mut missing = Vec::with_capacity(n);
    for _ in 0..n {
        missing.push(r.str("missing input")?);
    }
    let undecided = r.bool("undecided")?;
    Ok(DeonticVerdict {
        action,
        modality,
        decided_by,
        applicable,
        concurring,
        defeated,
        unresolved,
        calculus,
        tags,
        cost,
        decisions,
        unknown,
        missing,
        undecided,
    })
}

impl DeonticVerdict {
    /// The compact binary form.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new(MAGIC, VERSION);
        write_verdict(&mut w, self);
        w.into_bytes()
    }

    /// Reads [`DeonticVerdict::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<DeonticVerdict, CodecError> {
        let (mut r, _) = Reader::open(bytes, MAGIC, VERSION)?;
        let v = read_verdict(&mut r)?;
        r.finish()?;
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::NodeId;

    #[test]
    fn verdict_round_trips() {
        let v = DeonticVerdict {
            action: "sell".into(),
            modality: Modality::Impermissible,
            decided_by: Some(NodeId::Int(2)),
            applicable: vec![NodeId::Int(1), NodeId::Int(2)],
            concurring: vec![],
            defeated: vec![Defeat {
                norm: NodeId::Int(1),
                by: NodeId::Str("law".into()),
                rule: Rule::LexSpecialis,
                reason: "specificity 2 > 1".into(),
            }],
            unresolved: vec![],
            calculus: Calculus::DeepCausality,
            tags: vec!["safety".into()],
            cost: 2.5,
            decisions: vec![],
            unknown: vec![NodeId::Str("vent".into())],
            missing: vec!["\"smoke\" read by vent".into()],
            undecided: true,
        };
        let bytes = v.to_bytes();
        assert_eq!(DeonticVerdict::from_bytes(&bytes).unwrap(), v);
        for n in 0..bytes.len() {
            assert!(DeonticVerdict::from_bytes(&bytes[..n]).is_err());
        }
    }
}
