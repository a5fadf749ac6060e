//! Causal discovery kernels: SURD (information-theoretic decomposition of
//! causality into redundant, unique and synergistic parts) and mRMR feature
//! selection. Parallel with rayon, bit-identical on any number of threads.

mod binning;
mod columns;
mod error;
mod histogram;
mod mrmr;
mod mrmr_partitioned;
mod partitioned;
mod surd;

pub use binning::{bin_column, BinSpec, Binned, Binner};
pub use columns::{surd_from_columns, Column, ColumnsSurd};
pub use error::{DiscoverError, Result};
pub use histogram::{full_counts, joint_counts, marginal, sum_out, JointTable};
pub use mrmr::{mrmr, MrmrResult, Relevance};
pub use mrmr_partitioned::{mrmr_from_comoments, CoMoments};
pub use partitioned::{
    merge_counts, merge_ranges, partition_counts, partition_ranges, surd_from_counts, Partition,
    MAX_PARTITION_CELLS,
};
pub use surd::{combinations, decompose, surd_from_pdf, surd_from_states, SurdResult};
