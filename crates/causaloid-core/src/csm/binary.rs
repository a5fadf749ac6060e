//! Compact binary forms of the firing log (what a pickle carries): one
//! [`Firing`], and a whole batch's [`BatchFirings`] as columns over the rows
//! that fired. Host actions travel by name only (a firing read back reports
//! the action's name; there is nothing to run again), and a failed action's
//! Python exception object travels as its message.

use super::record::{BatchFirings, SlotInfo};
use super::state::{Action, Firing, Observation, Outcome};
use crate::codec::{CodecError, Reader, Writer};
use crate::ethos::binary::{read_verdict, write_verdict};
use crate::value::{Value, Verdict};
use std::sync::Arc;

const FIRING_MAGIC: [u8; 4] = *b"CLFI";
const BATCH_MAGIC: [u8; 4] = *b"CLFB";
const VERSION: u16 = 3; // 2: verdicts carry calculus, tags, cost, decisions; 3: unknown norms

fn write_value(w: &mut Writer, v: Option<Value>) {
    match v {
        None => w.u8(0),
        Some(Value::Bool(b)) => {
            w.u8(1);
            w.bool(b);
        }
        Some(Value::Num(x)) => {
            w.u8(2);
            w.f64(x);
        }
    }
}

fn read_value(r: &mut Reader<'_>) -> Result<Option<Value>, CodecError> {
    match r.u8("value")? {
        0 => Ok(None),
        1 => Ok(Some(Value::Bool(r.bool("value")?))),
        2 => Ok(Some(Value::Num(r.f64("value")?))),
        t => Err(CodecError::Invalid {
            what: "value",
            detail: format!("tag {t}"),
        }),
    }
}

fn write_verdict_value(w: &mut Writer, v: Verdict) {
    match v {
        Verdict::Bool(b) => {
            w.u8(0);
            w.bool(b);
        }
        Verdict::Degree(x) => {
            w.u8(1);
            w.f64(x);
        }
    }
}

fn read_verdict_value(r: &mut Reader<'_>) -> Result<Verdict, CodecError> {
    match r.u8("verdict")? {
        0 => Ok(Verdict::Bool(r.bool("verdict")?)),
        1 => Ok(Verdict::Degree(r.f64("verdict")?)),
        t => Err(CodecError::Invalid {
            what: "verdict",
            detail: format!("tag {t}"),
        }),
    }
}

fn write_outcome(w: &mut Writer, o: &Outcome) {
    match o {
        Outcome::Pending => w.u8(0),
        Outcome::Recorded => w.u8(1),
        Outcome::Fired => w.u8(2),
        Outcome::Refused => w.u8(3),
        Outcome::Failed { message, .. } => {
            w.u8(4);
            w.str(message);
        }
    }
}

fn read_outcome(r: &mut Reader<'_>) -> Result<Outcome, CodecError> {
    Ok(match r.u8("outcome")? {
        0 => Outcome::Pending,
        1 => Outcome::Recorded,
        2 => Outcome::Fired,
        3 => Outcome::Refused,
        4 => Outcome::Failed {
            message: r.str("failure message")?,
            payload: None,
        },
        t => {
            return Err(CodecError::Invalid {
                what: "outcome",
                detail: format!("tag {t}"),
            })
        }
    })
}

fn write_vetting(w: &mut Writer, f: &Firing) {
    match &f.vetting {
        Some(v) => {
            w.u8(1);
            write_verdict(w, v);
        }
        None => w.u8(0),
    }
}

fn read_vetting(
    r: &mut Reader<'_>,
) -> Result<Option<Box<crate::ethos::DeonticVerdict>>, CodecError> {
    if r.bool("vetting")? {
        Ok(Some(Box::new(read_verdict(r)?)))
    } else {
        Ok(None)
    }
}

fn read_names(r: &mut Reader<'_>) -> Result<Vec<String>, CodecError> {
    let n = r.len(8, "input names")?;
    (0..n).map(|_| r.str("input name")).collect()
}

impl Firing {
    /// The compact binary form of one log entry.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new(FIRING_MAGIC, VERSION);
        w.u64(self.event);
        w.node_id(&self.state);
        w.u64(self.position as u64);
        w.str(&self.action);
        write_value(&mut w, self.value);
        w.len(self.input.names.len());
        for n in self.input.names.iter() {
            w.str(n);
        }
        w.f64s(self.input.values());
        write_verdict_value(&mut w, self.verdict);
        write_vetting(&mut w, self);
        write_outcome(&mut w, &self.outcome);
        w.into_bytes()
    }

    /// Reads [`Firing::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Firing, CodecError> {
        let (mut r, _) = Reader::open(bytes, FIRING_MAGIC, VERSION)?;
        let event = r.u64("event")?;
        let state = r.node_id("state")?;
        let position = usize::try_from(r.u64("position")?).map_err(|_| CodecError::Invalid {
            what: "position",
            detail: "too large".into(),
        })?;
        let action: Arc<str> = r.str("action")?.into();
        let value = read_value(&mut r)?;
        let names = read_names(&mut r)?;
        let values = r.f64s("input values")?;
        if values.len() != names.len() {
            return Err(CodecError::Invalid {
                what: "input",
                detail: format!("{} values for {} names", values.len(), names.len()),
            });
        }
        let verdict = read_verdict_value(&mut r)?;
        let vetting = read_vetting(&mut r)?;
        let outcome = read_outcome(&mut r)?;
        r.finish()?;
        Ok(Firing {
            event,
            state,
            position,
            action,
            value,
            input: Observation::new(Arc::new(names), values.into(), 0),
            verdict,
            vetting,
            outcome,
        })
    }
}

impl BatchFirings {
    /// The compact binary form of a batch's firings: the states, the input
    /// names, then one record per firing and each fired row's input once.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new(BATCH_MAGIC, VERSION);
        w.u64(self.first);
        w.len(self.slots.len());
        for s in self.slots.iter() {
            w.node_id(&s.id);
            w.str(s.action.name());
            write_value(&mut w, s.value);
        }
        w.len(self.names.len());
        for n in self.names.iter() {
            w.str(n);
        }
        w.len(self.len());
        let mut last_row = None;
        for k in 0..self.len() {
            let Some(f) = self.firing(k) else { continue };
            let row = self.rows()[k];
            w.u64(row as u64);
            w.u32(self.positions()[k]);
            write_verdict_value(&mut w, f.verdict);
            write_vetting(&mut w, &f);
            write_outcome(&mut w, &f.outcome);
            // A row's input is written with its first firing only.
            let new_row = last_row != Some(row);
            w.bool(new_row);
            if new_row {
                for v in f.input.values() {
                    w.f64(*v);
                }
            }
            last_row = Some(row);
        }
        w.into_bytes()
    }

    /// Reads [`BatchFirings::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<BatchFirings, CodecError> {
        let (mut r, _) = Reader::open(bytes, BATCH_MAGIC, VERSION)?;
        let first = r.u64("first event")?;
        let n_slots = r.len(11, "states")?;
        let mut slots = Vec::with_capacity(n_slots);
        for _ in 0..n_slots {
            let id = r.node_id("state id")?;
            let action = Action::record(r.str("action")?);
            let value = read_value(&mut r)?;
            slots.push(SlotInfo { id, action, value });
        }
        let names = read_names(&mut r)?;
        let width = names.len();
        let n = r.len(15, "firings")?;
        let mut out = BatchFirings::new(first, slots.into(), Arc::new(names));
        let mut arena: Vec<f64> = Vec::new();
        let mut outcomes = Vec::with_capacity(n);
        let mut vetted = Vec::with_capacity(n);
        for k in 0..n {
            let row = usize::try_from(r.u64("row")?).map_err(|_| CodecError::Invalid {
                what: "row",
                detail: "too large".into(),
            })?;
            let position = r.u32("state position")? as usize;
            if position >= n_slots {
                return Err(CodecError::Invalid {
                    what: "state position",
                    detail: format!("{position} with {n_slots} states"),
                });
            }
            let verdict = read_verdict_value(&mut r)?;
            let vetting = read_vetting(&mut r)?;
            outcomes.push(read_outcome(&mut r)?);
            if r.bool("new row")? {
                for _ in 0..width {
                    arena.push(r.f64("input value")?);
                }
            } else if k == 0 {
                return Err(CodecError::Invalid {
                    what: "firings",
                    detail: "the first firing has no input".into(),
                });
            }
            vetted.push(vetting.is_some());
            let offset = arena.len() - width;
            out.push(row, offset, position, verdict, vetting, true);
        }
        r.finish()?;
        // A batch vetted by no ethos keeps no vetting column.
        if !vetted.iter().any(|v| *v) {
            out.drop_vettings();
        }
        out.set_arena(arena);
        out.set_outcomes(outcomes);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::NodeId;

    fn batch() -> BatchFirings {
        let slots: Arc<[SlotInfo]> = vec![
            SlotInfo {
                id: NodeId::Int(1),
                action: Action::record("alarm"),
                value: Some(Value::Num(2.5)),
            },
            SlotInfo {
                id: "s".into(),
                action: Action::record("log"),
                value: None,
            },
        ]
        .into();
        let mut b = BatchFirings::new(100, slots, Arc::new(vec!["x".into(), "y".into()]));
        b.push(0, 0, 0, Verdict::Bool(true), None, false);
        b.push(0, 0, 1, Verdict::Degree(0.75), None, false);
        b.push(3, 2, 1, Verdict::Bool(true), None, false);
        b.set_arena(vec![1.0, 2.0, 7.0, f64::NAN]);
        b.set_outcomes(vec![
            Outcome::Recorded,
            Outcome::Fired,
            Outcome::Failed {
                message: "boom".into(),
                payload: None,
            },
        ]);
        b
    }

    #[test]
    fn batch_round_trips_every_firing() {
        let b = batch();
        let back = BatchFirings::from_bytes(&b.to_bytes()).unwrap();
        assert_eq!(back.len(), b.len());
        for k in 0..b.len() {
            let (x, y) = (b.firing(k).unwrap(), back.firing(k).unwrap());
            assert_eq!(x.event, y.event);
            assert_eq!(x.state, y.state);
            assert_eq!(x.action, y.action);
            assert_eq!(x.value, y.value);
            assert_eq!(x.verdict, y.verdict);
            assert_eq!(x.outcome, y.outcome);
            assert_eq!(
                x.input
                    .values()
                    .iter()
                    .map(|v| v.to_bits())
                    .collect::<Vec<_>>(),
                y.input
                    .values()
                    .iter()
                    .map(|v| v.to_bits())
                    .collect::<Vec<_>>()
            );
            // The single-firing form agrees too.
            assert_eq!(Firing::from_bytes(&x.to_bytes()).unwrap().event, x.event);
        }
    }

    #[test]
    fn every_truncated_batch_is_an_error() {
        let bytes = batch().to_bytes();
        for n in 0..bytes.len() {
            assert!(BatchFirings::from_bytes(&bytes[..n]).is_err(), "prefix {n}");
        }
    }
}
