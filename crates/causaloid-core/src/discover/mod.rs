//! Causal discovery kernels: SURD (information-theoretic decomposition of
//! causality into redundant, unique and synergistic parts) and mRMR feature
//! selection. Parallel with rayon, bit-identical on any number of threads.

mod binning;
mod boss;
mod ci_test;
mod columns;
mod cpdag;
mod error;
mod ges;
mod histogram;
mod missing;
mod mrmr;
mod mrmr_partitioned;
mod null;
mod partition_rca;
mod partitioned;
mod pc;
mod pcmci;
mod rca;
mod score;
mod surd;
#[cfg(test)]
mod test_data;

pub use binning::{bin_column, BinSpec, Binned, Binner};
pub use boss::{boss, BossResult};
pub use ci_test::{chi2_sf, erfc, CiTest};
pub use columns::{surd_from_columns, surd_from_columns_tested, Column, ColumnsSurd};
pub use cpdag::Cpdag;
pub use error::{DiscoverError, Result};
pub use ges::{ges, GesOptions, GesResult, GesScore};
pub use histogram::{full_counts, joint_counts, marginal, sum_out, JointTable};
pub use missing::{
    complete_rows, complete_windows, learn_graph, mrmr_missing, root_cause_scores_missing,
    surd_from_columns_missing, Learned, Learner, MissingRows, RowsUsed,
};
pub use mrmr::{mrmr, MrmrResult, Relevance};
pub use mrmr_partitioned::{
    mrmr_from_class_stats, mrmr_from_comoments, mrmr_from_mi_counts, ClassStats, CoMoments,
    MiCounts, MiPlan, MiRanges, MAX_MI_CELLS,
};
pub use null::{
    permutation_test, permutation_test_counts, shuffled, ComponentTest, SurdSignificance,
    MAX_PERMUTATIONS,
};
pub use partition_rca::{
    rca_centres, rca_finish, rca_fit, rca_histograms, rca_moments, rca_offsets, rca_ranges,
    rca_square_sums, RadixSelect, RcaFit,
};
pub use partitioned::{
    merge_counts, merge_ranges, partition_counts, partition_ranges, surd_from_counts,
    surd_from_counts_tested, Partition, MAX_PARTITION_CELLS,
};
pub use pc::{meek_closure, pc, pc_lagged, Marks, PcColumn, PcError, PcOptions, PcResult};
pub use pcmci::{pcmci, pcmci_with, PcmciLink, PcmciOptions, PcmciResult};
pub use rca::{root_cause_scores, ColumnScore};
pub use surd::{
    combinations, decompose, decompose_states, surd_from_pdf, surd_from_states, StateMaps,
    SurdResult,
};
