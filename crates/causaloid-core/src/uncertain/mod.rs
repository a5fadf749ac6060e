//! Uncertain values (Bornholt et al., "Uncertain<T>", ASPLOS 2014): a lazy
//! graph of distributions and operations, sampled natively in seeded blocks,
//! with conditionals decided by a sequential probability ratio test.

mod binary;
mod error;
mod node;
mod normal;
mod plan;
mod rng;
mod sampling;
mod sprt;

pub use error::UncertainError;
pub use node::{BinaryOp, BlockFunction, MapFailure, Part, UnaryOp, Uncertain};
pub use normal::fill_normal;
pub use plan::{Plan, Workspace, BLOCK, CHUNK};
pub use rng::{os_seed, Xoshiro256pp};
pub use sampling::{moments, quantiles, resolve_seed, sample, sample_joint, Moments};
pub use sprt::{decide_samples, probability_exceeds, Decision, SprtParams, StopReason};

impl Uncertain {
    /// `n` samples from the seeded stream (booleans as 0.0 / 1.0).
    pub fn sample(&self, n: usize, seed: u64) -> Result<Vec<f64>, UncertainError> {
        sampling::sample(self, n, seed)
    }

    /// Monte Carlo estimate of the mean from `n` samples.
    pub fn expected_value(&self, n: usize, seed: u64) -> Result<f64, UncertainError> {
        Ok(sampling::moments(self, n, seed)?.mean)
    }

    /// Decides whether P(true) > threshold by Wald's SPRT.
    pub fn probability_exceeds(
        &self,
        params: SprtParams,
        seed: u64,
    ) -> Result<Decision, UncertainError> {
        sprt::probability_exceeds(self, params, seed)
    }

    /// Is it more likely than not? (the paper's implicit conditional).
    pub fn implicit_conditional(&self, seed: u64) -> Result<Decision, UncertainError> {
        sprt::probability_exceeds(self, SprtParams::default(), seed)
    }
}
