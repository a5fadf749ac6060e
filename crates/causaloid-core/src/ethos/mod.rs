//! The ethos: deontic norms (obligatory, impermissible, optional with a cost)
//! that vet a proposed action in its context, matched by tags, related by
//! explicit defeats and specializations, with conflicts between norms resolved
//! defeasibly (lex superior, then lex specialis, then lex posterior) or by
//! DeepCausality's modal precedence.

pub(crate) mod binary;
mod context;
mod error;
mod json;
mod norm;
mod resolve;
#[cfg(test)]
mod tests;
mod verdict;

pub use context::{ActionContext, OwnedContext, DEFAULT_SEED};
pub use error::EthosError;
pub(crate) use json::same_norm;
pub use json::{norm_from_value, norm_to_value};
pub use norm::{Modality, Norm, NormPredicate, Predicate, ANY_ACTION};
pub use resolve::{Choice, Ethos};
pub use verdict::{Calculus, Defeat, DeonticVerdict, Rule};
