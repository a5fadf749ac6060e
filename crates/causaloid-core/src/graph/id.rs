//! Node ids: the ids users give their causaloids, integers or strings.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The id of a causaloid, collection or graph: an integer or a string.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(untagged)]
pub enum NodeId {
    Int(i64),
    Str(String),
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NodeId::Int(i) => write!(f, "{i}"),
            NodeId::Str(s) => write!(f, "{s:?}"),
        }
    }
}

impl From<i64> for NodeId {
    fn from(i: i64) -> NodeId {
        NodeId::Int(i)
    }
}

impl From<&str> for NodeId {
    fn from(s: &str) -> NodeId {
        NodeId::Str(s.to_owned())
    }
}

impl From<String> for NodeId {
    fn from(s: String) -> NodeId {
        NodeId::Str(s)
    }
}
