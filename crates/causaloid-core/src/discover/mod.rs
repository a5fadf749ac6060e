//! Causal discovery kernels: SURD (information-theoretic decomposition of
//! causality into redundant, unique and synergistic parts) and mRMR feature
//! selection. Parallel with rayon, bit-identical on any number of threads.

mod binning;
mod columns;
mod error;
mod histogram;
mod mrmr;
mod null;
mod rca;
mod surd;

pub use binning::{bin_column, BinSpec, Binned, Binner};
pub use columns::{surd_from_columns, surd_from_columns_tested, Column, ColumnsSurd};
pub use error::{DiscoverError, Result};
pub use histogram::{full_counts, joint_counts, marginal, sum_out, JointTable};
pub use mrmr::{mrmr, MrmrResult, Relevance};
pub use null::{permutation_test, shuffled, ComponentTest, SurdSignificance, MAX_PERMUTATIONS};
pub use rca::{root_cause_scores, ColumnScore};
pub use surd::{combinations, decompose, surd_from_pdf, surd_from_states, SurdResult};
