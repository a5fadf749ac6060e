//! Typed errors of the discovery kernels. Each variant names the column or
//! parameter at fault, so the bindings can raise a precise Python exception.

/// Everything that can go wrong while binning data, decomposing causality or
/// selecting features.
use crate::diagnostic::{cell_detail, shape_detail, Area, Detail, DetailSink, Diagnostic};

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum DiscoverError {
    #[error("{}", non_finite_message(.column, *.row, *.value))]
    NonFinite {
        column: String,
        row: usize,
        value: f64,
    },
    #[error("column {column:?} is constant (every value is {value}); it carries no information")]
    Constant { column: String, value: f64 },
    #[error("column {column:?} has {found} values; expected {expected} like the other columns")]
    Length {
        column: String,
        expected: usize,
        found: usize,
    },
    #[error(
        "{samples} samples are fewer than the {bins} bins of column {column:?}; pass fewer bins"
    )]
    TooFewSamples {
        column: String,
        samples: usize,
        bins: usize,
    },
    #[error("column {column:?} has the value {value} at row {row}, outside its bin edges [{low}, {high}]")]
    OutOfRange {
        column: String,
        row: usize,
        value: f64,
        low: f64,
        high: f64,
    },
    #[error("bin edges of column {column:?}: {reason}")]
    BadEdges { column: String, reason: String },
    #[error("probability array: {reason}")]
    BadDistribution { reason: String },
    #[error("invalid {parameter}: {reason}")]
    InvalidArgument {
        parameter: &'static str,
        reason: String,
    },
    #[error("{}", super::missing::too_few_after_drop(*.used, *.dropped, .reason))]
    TooFewAfterDrop {
        used: usize,
        dropped: usize,
        reason: String,
    },
}

/// A NaN is named a missing value, with the fix; an infinity a non-finite one.
pub(crate) fn non_finite_message(column: &str, row: usize, value: f64) -> String {
    if value.is_nan() {
        format!(
            "column {column:?} has a missing value (NaN / null) at row {row}: discovery needs \
             complete rows; pass missing=\"drop\" to leave such rows out, or fill them \
             (for example Pipeline.clean)"
        )
    } else {
        format!("column {column:?} holds a non-finite value ({value}) at row {row}")
    }
}

pub type Result<T, E = DiscoverError> = std::result::Result<T, E>;

impl DiscoverError {
    /// The same error with the row it names (if any) renamed by `row`, given
    /// the column and the row as the failing computation counted it: how a
    /// caller that handed over a slice or the kept rows of a table names
    /// the row in its own table.
    pub(crate) fn map_row(self, row: impl Fn(&str, usize) -> usize) -> DiscoverError {
        match self {
            DiscoverError::NonFinite {
                column,
                row: r,
                value,
            } => DiscoverError::NonFinite {
                row: row(&column, r),
                column,
                value,
            },
            DiscoverError::OutOfRange {
                column,
                row: r,
                value,
                low,
                high,
            } => DiscoverError::OutOfRange {
                row: row(&column, r),
                column,
                value,
                low,
                high,
            },
            other => other,
        }
    }
}

impl Diagnostic for DiscoverError {
    fn area(&self) -> Area {
        match self {
            DiscoverError::Length { .. } => Area::Core,
            _ => Area::Discovery,
        }
    }

    fn kind(&self) -> &'static str {
        use DiscoverError::*;
        match self {
            // A NaN is a missing value: the one missing-value policy's class
            // (a subclass of both MissingValueError and NonFiniteError).
            NonFinite { value, .. } if value.is_nan() => "MissingValueError",
            NonFinite { .. } => "NonFiniteError",
            Constant { .. } => "ConstantColumnError",
            Length { .. } => "ShapeError",
            TooFewSamples { .. } | TooFewAfterDrop { .. } => "TooFewSamplesError",
            OutOfRange { .. } | BadEdges { .. } => "BinningError",
            BadDistribution { .. } => "DistributionError",
            InvalidArgument { .. } => "DiscoverValueError",
        }
    }

    fn detail(&self, out: &mut DetailSink<'_>) {
        use DiscoverError::*;
        match self {
            NonFinite { column, row, value } => cell_detail(out, column, Some(*row), *value),
            Constant { column, value } => cell_detail(out, column, None, *value),
            Length {
                column,
                expected,
                found,
            } => {
                out("column", Detail::Text(column));
                shape_detail(out, column, *expected, *found);
            }
            TooFewSamples {
                column,
                samples,
                bins,
            } => {
                out("column", Detail::Text(column));
                out("samples", Detail::int(*samples));
                out("bins", Detail::int(*bins));
            }
            OutOfRange {
                column,
                row,
                value,
                low,
                high,
            } => {
                out("column", Detail::Text(column));
                out("row", Detail::int(*row));
                out("value", Detail::Float(*value));
                out("edges", Detail::Range(*low, *high));
            }
            BadEdges { column, .. } => out("column", Detail::Text(column)),
            BadDistribution { .. } => {}
            InvalidArgument { parameter, .. } => out("parameter", Detail::Text(parameter)),
            TooFewAfterDrop { used, dropped, .. } => {
                out("samples", Detail::int(*used));
                out("dropped", Detail::int(*dropped));
            }
        }
    }
}
