//! The compact binary form of a sequential [`Decision`] (what a pickle carries).

use super::sprt::{Decision, SprtParams, StopReason};
use crate::codec::{CodecError, Reader, Writer};

const MAGIC: [u8; 4] = *b"CLSD";
const VERSION: u16 = 1;
const REASONS: [StopReason; 3] = [
    StopReason::AcceptedAbove,
    StopReason::AcceptedBelow,
    StopReason::MaxSamples,
];

impl Decision {
    /// The compact binary form: every field, bit-exact.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new(MAGIC, VERSION);
        w.bool(self.outcome);
        w.f64(self.params.threshold);
        w.f64(self.params.confidence);
        w.f64(self.params.epsilon);
        w.u64(self.params.max_samples as u64);
        w.u64(self.samples as u64);
        w.u64(self.successes as u64);
        w.f64(self.log_ratio);
        w.f64(self.upper_bound);
        w.f64(self.lower_bound);
        w.u8(REASONS.iter().position(|r| *r == self.reason).unwrap_or(2) as u8);
        w.u64(self.seed);
        w.into_bytes()
    }

    /// Reads [`Decision::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Decision, CodecError> {
        let (mut r, _) = Reader::open(bytes, MAGIC, VERSION)?;
        let size = |v: u64, what: &'static str| {
            usize::try_from(v).map_err(|_| CodecError::Invalid {
                what,
                detail: format!("{v} does not fit this machine"),
            })
        };
        let outcome = r.bool("outcome")?;
        let params = SprtParams {
            threshold: r.f64("threshold")?,
            confidence: r.f64("confidence")?,
            epsilon: r.f64("epsilon")?,
            max_samples: size(r.u64("max_samples")?, "max_samples")?,
        };
        let samples = size(r.u64("samples")?, "samples")?;
        let successes = size(r.u64("successes")?, "successes")?;
        let log_ratio = r.f64("log_ratio")?;
        let upper_bound = r.f64("upper_bound")?;
        let lower_bound = r.f64("lower_bound")?;
        let k = r.u8("reason")?;
        let reason = *REASONS.get(k as usize).ok_or(CodecError::Invalid {
            what: "stop reason",
            detail: format!("index {k}"),
        })?;
        let seed = r.u64("seed")?;
        r.finish()?;
        Ok(Decision {
            outcome,
            params,
            samples,
            successes,
            log_ratio,
            upper_bound,
            lower_bound,
            reason,
            seed,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decision_round_trips_bit_exact() {
        let d = Decision {
            outcome: true,
            params: SprtParams {
                threshold: 0.5,
                confidence: 0.95,
                epsilon: 0.05,
                max_samples: 10_000,
            },
            samples: 120,
            successes: 90,
            log_ratio: 3.2,
            upper_bound: 2.9,
            lower_bound: -2.9,
            reason: StopReason::AcceptedAbove,
            seed: 42,
        };
        let bytes = d.to_bytes();
        assert_eq!(Decision::from_bytes(&bytes).unwrap(), d);
        assert!(Decision::from_bytes(&bytes[..bytes.len() - 1]).is_err());
    }
}
