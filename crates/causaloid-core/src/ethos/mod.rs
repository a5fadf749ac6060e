//! The ethos: deontic norms (obligatory, impermissible, optional) that vet a
//! proposed action in its context, with conflicts between norms resolved
//! defeasibly (lex superior, then lex specialis, then lex posterior).

pub(crate) mod binary;
mod context;
mod error;
mod norm;
mod resolve;
mod verdict;

pub use context::{ActionContext, OwnedContext};
pub use error::EthosError;
pub use norm::{Modality, Norm, NormPredicate, Predicate, ANY_ACTION};
pub use resolve::Ethos;
pub use verdict::{Defeat, DeonticVerdict, Rule};
