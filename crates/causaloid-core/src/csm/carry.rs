//! Resuming a machine part-way through a table: what a batch over a later
//! piece (a partition on another worker) needs from the pieces before it —
//! how many observations came first (so event numbers continue) and the
//! window's contents (so summaries span the boundary).

use super::error::CsmError;
use super::machine::StateMachine;

impl StateMachine {
    /// Makes the machine continue as if it had already seen `events`
    /// observations, the last of which gave the window columns `rows`
    /// (column-major, in [`super::Window::columns`] order, oldest first; only
    /// the last `size` rows are kept, as the window itself would). Without a
    /// window, `rows` must be empty. The log is left as it is.
    pub fn resume(&mut self, events: u64, rows: &[&[f64]]) -> Result<(), CsmError> {
        match &mut self.window {
            None if rows.is_empty() => {}
            None => {
                return Err(CsmError::Shape {
                    what: "carried window columns (the machine has no window)".into(),
                    expected: 0,
                    found: rows.len(),
                })
            }
            Some(w) => {
                if rows.len() != w.columns().len() {
                    return Err(CsmError::Shape {
                        what: "carried window columns".into(),
                        expected: w.columns().len(),
                        found: rows.len(),
                    });
                }
                let len = rows.first().map_or(0, |c| c.len());
                if let Some(c) = rows.iter().find(|c| c.len() != len) {
                    return Err(CsmError::Shape {
                        what: "carried window column".into(),
                        expected: len,
                        found: c.len(),
                    });
                }
                w.clear();
                let mut row = vec![0.0; rows.len()];
                for i in len.saturating_sub(w.size())..len {
                    for (v, c) in row.iter_mut().zip(rows) {
                        *v = c[i];
                    }
                    w.push_row(&row);
                }
            }
        }
        self.events = events;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::csm::{Action, State, StateMachine, Window};
    use crate::expr::{BinaryOp, Expr};
    use crate::graph::{Causaloid, Member};
    use std::sync::Arc;

    fn machine() -> StateMachine {
        let e = Expr::col("x.mean").binary(BinaryOp::Gt, Expr::lit(0.5));
        let c = Member::Causaloid(Arc::new(Causaloid::from_expr(1, "rising", e).unwrap()));
        StateMachine::new(
            vec![(State::new(1, "rising", c), Action::record("alert"))],
            None,
            Some(Window::new(3, vec!["x".into()]).unwrap()),
        )
        .unwrap()
    }

    #[test]
    fn two_resumed_pieces_equal_one_batch() {
        let x: Vec<f64> = (0..40).map(|i| ((i * 7) % 11) as f64 / 10.0).collect();
        let mut whole = machine();
        let all = whole.decide_batch(&[&x], x.len(), None).unwrap();
        for cut in [1usize, 2, 3, 17, 39] {
            let mut a = machine();
            let da = a.decide_batch(&[&x[..cut]], cut, None).unwrap();
            let mut b = machine();
            b.resume(cut as u64, &[&x[..cut]]).unwrap();
            let db = b.decide_batch(&[&x[cut..]], x.len() - cut, None).unwrap();
            let events: Vec<u64> = da
                .firings
                .iter()
                .chain(&db.firings)
                .map(|(f, _)| f.event)
                .collect();
            let want: Vec<u64> = all.firings.iter().map(|(f, _)| f.event).collect();
            assert_eq!(events, want, "cut at {cut}");
        }
    }

    #[test]
    fn carried_columns_must_match_the_window() {
        let mut m = machine();
        assert!(m.resume(5, &[]).is_err());
        assert!(m.resume(5, &[&[1.0], &[2.0]]).is_err());
        assert_eq!(m.events, 0);
    }
}
