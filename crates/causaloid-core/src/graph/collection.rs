//! A collection: causaloids (of any form) aggregated by a logic — all, any,
//! none, or at least k of them.

use super::id::NodeId;
use super::member::{Link, Member};
use crate::error::CausalError;
use crate::expr::ColumnTable;
use crate::value::Kind;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// At least `k` members must be active.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AtLeast(pub usize);

/// How a collection aggregates its members' verdicts.
///
/// With booleans these are the usual quantifiers. With degrees, "at least k"
/// is the k-th largest degree (so "all" is the minimum and "any" the maximum),
/// and "none" is the complement of "any".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Logic {
    All,
    Any,
    None,
    AtLeast(usize),
}

impl Logic {
    /// The names of the logics that take no parameter, as the bindings spell them.
    pub const NAMES: [&'static str; 4] = ["all", "any", "none", "at_least"];

    /// The logic called `name` (`k` is used by `"at_least"` only).
    pub fn from_name(name: &str, k: usize) -> Option<Logic> {
        Some(match name {
            "all" => Logic::All,
            "any" => Logic::Any,
            "none" => Logic::None,
            "at_least" => Logic::AtLeast(k),
            _ => return None,
        })
    }

    /// The name and parameter: ("all", 0), ("at_least", k) ...
    pub fn name(self) -> (&'static str, usize) {
        match self {
            Logic::All => ("all", 0),
            Logic::Any => ("any", 0),
            Logic::None => ("none", 0),
            Logic::AtLeast(k) => ("at_least", k),
        }
    }

    pub fn describe(self) -> String {
        match self {
            Logic::All => "all".into(),
            Logic::Any => "any".into(),
            Logic::None => "none".into(),
            Logic::AtLeast(k) => format!("at least {k}"),
        }
    }

    /// Aggregates the members' verdicts of one row, given as (kind, degree).
    /// `buf` is scratch space, reused across rows.
    pub(crate) fn aggregate(self, values: &[(Kind, f64)], buf: &mut Vec<f64>) -> (Kind, f64) {
        let kind = values.iter().fold(Kind::Bool, |k, v| k.both(v.0));
        let n = values.len();
        let x = match self {
            Logic::All => values.iter().map(|v| v.1).fold(f64::INFINITY, f64::min),
            Logic::Any => values.iter().map(|v| v.1).fold(f64::NEG_INFINITY, f64::max),
            Logic::None => 1.0 - values.iter().map(|v| v.1).fold(f64::NEG_INFINITY, f64::max),
            Logic::AtLeast(k) => {
                buf.clear();
                buf.extend(values.iter().map(|v| v.1));
                buf.sort_by(|a, b| b.total_cmp(a));
                buf.get(k.saturating_sub(1).min(n.saturating_sub(1)))
                    .copied()
                    .unwrap_or(0.0)
            }
        };
        (kind, x)
    }
}

/// Causaloids aggregated by a logic.
#[derive(Clone)]
pub struct Collection {
    pub(crate) id: NodeId,
    pub(crate) description: String,
    pub(crate) logic: Logic,
    pub(crate) members: Vec<Member>,
    pub(crate) table: ColumnTable,
    pub(crate) links: Vec<Link>,
    /// Levels of nesting (see [`Member::depth`]).
    pub(crate) depth: usize,
}

impl Collection {
    /// Builds a collection; members' ids must be unique and `AtLeast(k)` needs
    /// 1 <= k <= number of members.
    pub fn new(
        id: impl Into<NodeId>,
        description: impl Into<String>,
        members: Vec<Member>,
        logic: Logic,
    ) -> Result<Collection, CausalError> {
        if members.is_empty() {
            return Err(CausalError::InvalidArgument {
                name: "members",
                message: "a collection needs at least one member".into(),
            });
        }
        if let Logic::AtLeast(k) = logic {
            if k == 0 || k > members.len() {
                return Err(CausalError::InvalidArgument {
                    name: "logic",
                    message: format!(
                        "AtLeast({k}) needs 1 <= k <= {} (the number of members)",
                        members.len()
                    ),
                });
            }
        }
        let mut seen = HashSet::new();
        for m in &members {
            m.check_nesting()?;
            m.check_stateless()?;
            if !seen.insert(m.id().clone()) {
                return Err(CausalError::DuplicateId { id: m.id().clone() });
            }
        }
        let members_depth = members.iter().map(Member::depth).max().unwrap_or(0);
        let mut table = ColumnTable::new();
        let links = members
            .iter()
            .map(|m| Link::new(m, &mut table))
            .collect::<Result<_, _>>()?;
        Ok(Collection {
            id: id.into(),
            description: description.into(),
            logic,
            members,
            table,
            links,
            depth: 1 + members_depth,
        })
    }

    pub fn id(&self) -> &NodeId {
        &self.id
    }

    pub fn description(&self) -> &str {
        &self.description
    }

    pub fn logic(&self) -> Logic {
        self.logic
    }

    pub fn members(&self) -> &[Member] {
        &self.members
    }
}
