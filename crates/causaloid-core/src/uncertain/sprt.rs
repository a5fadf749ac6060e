//! Decisions on uncertain booleans by Wald's sequential probability ratio
//! test, as in Bornholt et al. (ASPLOS 2014): sample only until the evidence
//! that P(true) lies above or below the threshold reaches the confidence asked.

use super::error::UncertainError;
use super::node::Uncertain;
use super::plan::{Plan, Workspace};
use crate::Kind;
use std::fmt::Write;

/// The parameters of one decision.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SprtParams {
    /// Decide whether P(true) > threshold.
    pub threshold: f64,
    /// 1 − the error rate accepted on each side (α = β = 1 − confidence).
    pub confidence: f64,
    /// Half-width of the indifference region around the threshold.
    pub epsilon: f64,
    /// Stop and decide on the estimate after this many samples.
    pub max_samples: usize,
}

impl Default for SprtParams {
    fn default() -> Self {
        SprtParams {
            threshold: 0.5,
            confidence: 0.95,
            epsilon: 0.05,
            max_samples: 10_000,
        }
    }
}

impl SprtParams {
    pub fn validate(&self) -> Result<(), UncertainError> {
        if !(0.0..=1.0).contains(&self.threshold) {
            return Err(UncertainError::invalid(
                "threshold",
                self.threshold,
                "in [0, 1]",
            ));
        }
        if !(self.confidence > 0.0 && self.confidence < 1.0) {
            return Err(UncertainError::invalid(
                "confidence",
                self.confidence,
                "strictly between 0 and 1",
            ));
        }
        if !(self.epsilon > 0.0 && self.epsilon < 0.5) {
            return Err(UncertainError::invalid(
                "epsilon",
                self.epsilon,
                "in (0, 0.5)",
            ));
        }
        if self.max_samples == 0 {
            return Err(UncertainError::InvalidParameter {
                parameter: "max_samples",
                value: "0".into(),
                expected: "at least 1",
            });
        }
        Ok(())
    }
}

/// Why the test stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopReason {
    /// The likelihood ratio crossed the upper bound: P(true) > threshold.
    AcceptedAbove,
    /// The likelihood ratio crossed the lower bound: P(true) <= threshold.
    AcceptedBelow,
    /// Neither bound was reached; decided on the estimate after max_samples.
    MaxSamples,
}

impl StopReason {
    pub fn as_str(&self) -> &'static str {
        match self {
            StopReason::AcceptedAbove => "accepted_above",
            StopReason::AcceptedBelow => "accepted_below",
            StopReason::MaxSamples => "max_samples",
        }
    }
}

/// The outcome of a decision, with everything needed to explain it.
#[derive(Clone, Debug, PartialEq)]
pub struct Decision {
    pub outcome: bool,
    pub params: SprtParams,
    pub samples: usize,
    pub successes: usize,
    /// The log likelihood ratio of H1 (p = threshold + ε) over H0 (p = threshold − ε).
    pub log_ratio: f64,
    pub upper_bound: f64,
    pub lower_bound: f64,
    pub reason: StopReason,
    pub seed: u64,
}

impl Decision {
    /// The fraction of samples that were true.
    pub fn estimate(&self) -> f64 {
        if self.samples == 0 {
            f64::NAN
        } else {
            self.successes as f64 / self.samples as f64
        }
    }

    /// Plain-text account of the decision: what was asked, how many samples
    /// were drawn, and why the test stopped.
    pub fn explain(&self) -> String {
        let p = &self.params;
        let mut out = String::new();
        let _ = writeln!(
            out,
            "P(true) > {} ? {} (confidence {}, indifference ±{})",
            p.threshold,
            if self.outcome { "yes" } else { "no" },
            p.confidence,
            p.epsilon
        );
        let _ = writeln!(
            out,
            "  drew {} samples (max {}), {} true: estimate {:.4}; seed {}",
            self.samples,
            p.max_samples,
            self.successes,
            self.estimate(),
            self.seed
        );
        let why = match self.reason {
            StopReason::AcceptedAbove => format!(
                "  stopped: log likelihood ratio {:.3} reached the upper bound {:.3} (Wald's SPRT accepted P > {})",
                self.log_ratio,
                self.upper_bound,
                tidy(p.threshold + p.epsilon)
            ),
            StopReason::AcceptedBelow => format!(
                "  stopped: log likelihood ratio {:.3} reached the lower bound {:.3} (Wald's SPRT accepted P < {})",
                self.log_ratio,
                self.lower_bound,
                tidy(p.threshold - p.epsilon)
            ),
            StopReason::MaxSamples => format!(
                "  stopped: max_samples reached with the log likelihood ratio {:.3} between {:.3} and {:.3}; \
                 decided on the estimate (the probability is close to the threshold)",
                self.log_ratio, self.lower_bound, self.upper_bound
            ),
        };
        out.push_str(&why);
        out
    }
}

/// Rounds away float noise (0.9500000000000001) for display.
fn tidy(x: f64) -> f64 {
    (x * 1e9).round() / 1e9
}

/// Decides whether P(`u` is true) > `params.threshold`.
pub fn probability_exceeds(
    u: &Uncertain,
    params: SprtParams,
    seed: u64,
) -> Result<Decision, UncertainError> {
    params.validate()?;
    if u.kind() != Kind::Bool {
        return Err(UncertainError::KindMismatch {
            operation: "probability_exceeds",
            expected: "bool",
            found: "float",
        });
    }
    let plan = Plan::compile(u);
    let mut ws = Workspace::new(&plan, seed);
    let mut block = 0u64;
    ws.start_block(&plan, block);
    let mut test = Sequential::new(params);
    // Small chunks first: a clear case stops after a few dozen samples.
    let mut chunk = 16usize;
    while test.samples < params.max_samples {
        if ws.remaining_in_block() == 0 {
            block += 1;
            ws.start_block(&plan, block);
        }
        let len = chunk.min(params.max_samples - test.samples);
        let values = ws.next_chunk(&plan, len)?;
        if test.feed(values) {
            break;
        }
        chunk = (chunk * 2).min(1024);
    }
    Ok(test.finish(seed))
}

/// Decides whether P(true) > `params.threshold` from samples already drawn
/// (booleans as 0.0 / 1.0), read in order until the test stops or they run
/// out (then decided on the estimate, as at `max_samples`).
pub fn decide_samples(
    samples: &[f64],
    params: SprtParams,
    seed: u64,
) -> Result<Decision, UncertainError> {
    params.validate()?;
    let mut test = Sequential::new(params);
    let n = samples.len().min(params.max_samples);
    test.feed(&samples[..n]);
    Ok(test.finish(seed))
}

/// Wald's sequential test, fed samples one chunk at a time.
struct Sequential {
    params: SprtParams,
    upper_bound: f64,
    lower_bound: f64,
    step_true: f64,
    step_false: f64,
    samples: usize,
    successes: usize,
    log_ratio: f64,
    reason: StopReason,
}

impl Sequential {
    fn new(params: SprtParams) -> Sequential {
        // The hypotheses bracket the threshold; clamped inside (0, 1) so both
        // likelihoods stay finite at thresholds near 0 or 1.
        let tiny = 1e-9;
        let p0 = (params.threshold - params.epsilon).clamp(tiny, 1.0 - tiny);
        let p1 = (params.threshold + params.epsilon).clamp(tiny, 1.0 - tiny);
        let alpha = 1.0 - params.confidence;
        let beta = alpha;
        Sequential {
            params,
            upper_bound: ((1.0 - beta) / alpha).ln(),
            lower_bound: (beta / (1.0 - alpha)).ln(),
            step_true: (p1 / p0).ln(),
            step_false: ((1.0 - p1) / (1.0 - p0)).ln(),
            samples: 0,
            successes: 0,
            log_ratio: 0.0,
            reason: StopReason::MaxSamples,
        }
    }

    /// Reads `values` in order; true once the test has stopped.
    fn feed(&mut self, values: &[f64]) -> bool {
        for &v in values {
            self.samples += 1;
            if v != 0.0 {
                self.successes += 1;
                self.log_ratio += self.step_true;
            } else {
                self.log_ratio += self.step_false;
            }
            if self.log_ratio >= self.upper_bound {
                self.reason = StopReason::AcceptedAbove;
                return true;
            }
            if self.log_ratio <= self.lower_bound {
                self.reason = StopReason::AcceptedBelow;
                return true;
            }
        }
        false
    }

    fn finish(self, seed: u64) -> Decision {
        let outcome = match self.reason {
            StopReason::AcceptedAbove => true,
            StopReason::AcceptedBelow => false,
            StopReason::MaxSamples => {
                self.samples > 0
                    && self.successes as f64 / self.samples as f64 > self.params.threshold
            }
        };
        Decision {
            outcome,
            params: self.params,
            samples: self.samples,
            successes: self.successes,
            log_ratio: self.log_ratio,
            upper_bound: self.upper_bound,
            lower_bound: self.lower_bound,
            reason: self.reason,
            seed,
        }
    }
}
