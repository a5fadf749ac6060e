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
    #[error("norm {norm} {relation} norm {target}, which the ethos does not hold")]
    UnknownRelation {
        norm: NodeId,
        relation: &'static str,
        target: NodeId,
    },
    #[error("the {relation} relation between norms loops: {}; it must not", format_cycle(.cycle))]
    RelationCycle {
        relation: &'static str,
        cycle: Vec<NodeId>,
    },
    #[error(
        "norm {id} cannot be removed: norm {by} {relation} it; update or remove norm {by} first"
    )]
    NormInUse {
        id: NodeId,
        by: NodeId,
        relation: &'static str,
    },
    /// A norm's predicate reads a missing value (NaN, a null) and the
    /// policy was `Missing::Raise`: the engine's `MissingInput` error.
    #[error("norm {norm}: {source}")]
    MissingValue {
        norm: NodeId,
        source: crate::error::CausalError,
    },
    #[error("norm {norm}: deciding its predicate failed: {source}")]
    Sampled {
        norm: NodeId,
        source: Box<crate::error::CausalError>,
    },
}

fn format_cycle(cycle: &[NodeId]) -> String {
    let mut parts: Vec<String> = cycle.iter().map(ToString::to_string).collect();
    if let Some(first) = parts.first().cloned() {
        parts.push(first);
    }
    parts.join(" -> ")
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
            EthosError::Sampled { source, .. } => source.area(),
            EthosError::MissingValue { source, .. } => source.area(),
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
            UnknownRelation { .. } => "UnknownNormError",
            RelationCycle { .. } | NormInUse { .. } => "RelationError",
            // Deciding on samples failed: the precise error of the evaluation.
            Sampled { source, .. } => source.kind(),
            MissingValue { source, .. } => source.kind(),
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
            UnknownRelation {
                norm,
                relation,
                target,
            } => {
                out("norm_id", Detail::Id(target));
                out("referenced_by", Detail::Id(norm));
                out("relation", Detail::Text(relation));
            }
            RelationCycle { relation, cycle } => {
                out("relation", Detail::Text(relation));
                out("cycle", Detail::Ids(cycle));
            }
            NormInUse { id, by, relation } => {
                out("norm_id", Detail::Id(id));
                out("referenced_by", Detail::Id(by));
                out("relation", Detail::Text(relation));
            }
            Sampled { source, .. } => source.detail(out),
            MissingValue { norm, source } => {
                source.detail(out);
                out("norm_id", Detail::Id(norm));
            }
        }
    }

    fn payload(&self) -> Option<Payload<'_>> {
        match self {
            EthosError::Predicate {
                payload: Some(p), ..
            } => Some(Payload::Host(p.0.as_ref())),
            EthosError::Read { source } => source.payload(),
            EthosError::Sampled { source, .. } => source.payload(),
            _ => None,
        }
    }
}
