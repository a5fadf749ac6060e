//! Errors of the ethos: each names the norm, the modality or the context entry
//! that was wrong, so the bindings can raise a precise exception.

use crate::diagnostic::{Area, Detail, DetailSink, Diagnostic, Payload};
use crate::error::ErrorPayload;
use crate::graph::NodeId;

#[derive(Clone, Debug, thiserror::Error)]
pub enum EthosError {
    #[error("duplicate norm id {id}: norm ids must be unique within an ethos")]
    DuplicateNorm { id: NodeId },
    #[error("unknown norm id {id}")]
    UnknownNorm { id: NodeId },
    #[error("unknown modality {found:?}; expected one of \"obligatory\", \"impermissible\", \"optional\"")]
    UnknownModality { found: String },
    #[error("norm {norm}: invalid {name}: {message}")]
    InvalidNorm {
        norm: NodeId,
        name: &'static str,
        message: String,
    },
    #[error("norm {norm} reads {column:?}, which the context does not hold{}", format_known(.known))]
    MissingContext {
        norm: NodeId,
        column: String,
        known: Vec<String>,
    },
    #[error("norm {norm}: its predicate decided {found}, which is not a truth value (a bool or a degree in [0, 1])")]
    InvalidPredicate { norm: NodeId, found: String },
    #[error("norm {norm}: its predicate raised: {message}")]
    Predicate {
        norm: NodeId,
        message: String,
        payload: Option<ErrorPayload>,
    },
    #[error("invalid {name}: {message}")]
    InvalidArgument { name: &'static str, message: String },
    #[error("the norms' context reads failed: {source}")]
    Read { source: crate::error::CausalError },
}

fn format_known(known: &[String]) -> String {
    if known.is_empty() {
        " (the context is empty)".to_owned()
    } else {
        let shown: Vec<&str> = known.iter().take(12).map(String::as_str).collect();
        let more = if known.len() > 12 { ", ..." } else { "" };
        format!(" (it holds: {}{more})", shown.join(", "))
    }
}

impl Diagnostic for EthosError {
    fn area(&self) -> Area {
        match self {
            EthosError::Read { source } => source.area(),
            _ => Area::Ethos,
        }
    }

    fn kind(&self) -> &'static str {
        use EthosError::*;
        match self {
            DuplicateNorm { .. } => "DuplicateNormError",
            UnknownNorm { .. } => "UnknownNormError",
            UnknownModality { .. } => "ModalityError",
            InvalidNorm { .. } | InvalidArgument { .. } => "NormError",
            MissingContext { .. } => "MissingContextError",
            InvalidPredicate { .. } | Predicate { .. } => "PredicateError",
            // A context read failed: the precise error of the read itself.
            Read { source } => source.kind(),
        }
    }

    fn detail(&self, out: &mut DetailSink<'_>) {
        use EthosError::*;
        match self {
            DuplicateNorm { id } | UnknownNorm { id } => out("norm_id", Detail::Id(id)),
            UnknownModality { found } => out("modality", Detail::Text(found)),
            InvalidNorm { norm, name, .. } => {
                out("norm_id", Detail::Id(norm));
                out("parameter", Detail::Text(name));
            }
            MissingContext {
                norm,
                column,
                known,
            } => {
                out("norm_id", Detail::Id(norm));
                out("column", Detail::Text(column));
                out("available", Detail::Texts(known));
            }
            InvalidPredicate { norm, found } => {
                out("norm_id", Detail::Id(norm));
                out("found", Detail::Text(found));
            }
            Predicate { norm, .. } => out("norm_id", Detail::Id(norm)),
            InvalidArgument { name, .. } => out("parameter", Detail::Text(name)),
            Read { source } => source.detail(out),
        }
    }

    fn payload(&self) -> Option<Payload<'_>> {
        match self {
            EthosError::Predicate {
                payload: Some(p), ..
            } => Some(Payload::Host(p.0.as_ref())),
            EthosError::Read { source } => source.payload(),
            _ => None,
        }
    }
}
