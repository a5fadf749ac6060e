//! The outcome of judging a proposed action, with the reasons it holds: the
//! norm that decided, the norms that agreed, and each defeated norm with the
//! rule that defeated it.

use super::error::EthosError;
use super::norm::Modality;
use crate::graph::NodeId;
use crate::uncertain::Decision;
use std::fmt;

/// How the norms that survive explicit defeats settle on one status.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Calculus {
    /// The highest-ranked norm decides (priority, then specificity, then
    /// time); disagreeing norms ranked lower are defeated by it.
    #[default]
    Priority,
    /// DeepCausality's calculus: explicit defeats count only when the
    /// defeater outranks on priority, specificity or time; then any surviving
    /// impermissible norm wins, else any obligatory one, else the action is
    /// optional at the summed cost of the optional norms.
    DeepCausality,
}

impl Calculus {
    pub const ALL: [Calculus; 2] = [Calculus::Priority, Calculus::DeepCausality];

    pub fn name(self) -> &'static str {
        match self {
            Calculus::Priority => "priority",
            Calculus::DeepCausality => "deepcausality",
        }
    }

    /// Parses a calculus name (case-insensitive, surrounding blanks ignored).
    pub fn from_name(name: &str) -> Result<Calculus, EthosError> {
        let wanted = name.trim().to_ascii_lowercase();
        Calculus::ALL
            .into_iter()
            .find(|c| c.name() == wanted)
            .ok_or_else(|| EthosError::InvalidArgument {
                name: "calculus",
                message: format!(
                    "unknown calculus {name:?}; expected \"priority\" or \"deepcausality\""
                ),
            })
    }
}

impl fmt::Display for Calculus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The rule of defeasible reasoning that settled a conflict between two norms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rule {
    /// The norm of higher priority (authority) wins.
    LexSuperior,
    /// Same priority: the more specific norm wins.
    LexSpecialis,
    /// Same priority and specificity: the later norm wins.
    LexPosterior,
    /// The norm was declared to defeat the other (`defeats=`).
    Explicit,
    /// DeepCausality's calculus: impermissible prevails over obligatory,
    /// which prevails over optional.
    ModalPrecedence,
}

impl Rule {
    pub fn name(self) -> &'static str {
        match self {
            Rule::LexSuperior => "lex superior",
            Rule::LexSpecialis => "lex specialis",
            Rule::LexPosterior => "lex posterior",
            Rule::Explicit => "explicit defeat",
            Rule::ModalPrecedence => "modal precedence",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One defeated norm: which norm defeated it, by which rule, and why.
#[derive(Clone, Debug, PartialEq)]
pub struct Defeat {
    pub norm: NodeId,
    pub by: NodeId,
    pub rule: Rule,
    /// The comparison that decided, e.g. "priority 10 > 1".
    pub reason: String,
}

/// The ethos's judgement of one proposed action.
#[derive(Clone, Debug, PartialEq)]
pub struct DeonticVerdict {
    pub action: String,
    /// The resulting status of the action.
    pub modality: Modality,
    /// The norm that decided, or `None` when no norm applied (the action is
    /// then optional: what is not forbidden is allowed).
    pub decided_by: Option<NodeId>,
    /// Every norm whose predicate held, in the order they were added.
    pub applicable: Vec<NodeId>,
    /// Applicable norms with the winning modality, other than the winner.
    pub concurring: Vec<NodeId>,
    /// Applicable norms with another modality, each with the rule that defeated it.
    pub defeated: Vec<Defeat>,
    /// Norms ranked equal to the winner (same priority, specificity and time)
    /// that disagree with it. Non-empty means no rule could decide; the ethos
    /// then forbids the action if any of them forbids it, and otherwise makes
    /// it optional (see [`super::Ethos::evaluate`]).
    pub unresolved: Vec<NodeId>,
    /// The calculus that settled the status.
    pub calculus: Calculus,
    /// The action's tags the norms were matched against.
    pub tags: Vec<String>,
    /// When the action is optional: the summed cost of the optional norms
    /// that stand (not defeated); 0 otherwise.
    pub cost: f64,
    /// Decisions taken on uncertain context values, per norm.
    pub decisions: Vec<(NodeId, Decision)>,
    /// Norms whose predicate is unknown: it reads a missing value and the
    /// policy was `missing="propagate"` (in the order they were added).
    pub unknown: Vec<NodeId>,
    /// The missing values the norms' predicates read, in words
    /// (`"smoke" read by no_vent`), under any policy but `"raise"`.
    pub missing: Vec<String>,
    /// Whether the unknown norms could change the status: the modality is
    /// then the fail-safe one (impermissible if one way they may apply
    /// forbids the action, else optional).
    pub undecided: bool,
}

impl DeonticVerdict {
    /// Whether the action may be carried out.
    pub fn permitted(&self) -> bool {
        self.modality.permits()
    }

    /// The plain-text justification: the outcome, the deciding norm, and every
    /// defeated norm with the rule and comparison that defeated it.
    pub fn justification(&self) -> String {
        let mut out = String::new();
        let status = self.modality.name();
        match &self.decided_by {
            None => {
                out.push_str(&format!(
                    "action {:?} is optional: no norm applies, and what no norm forbids is allowed",
                    self.action
                ));
            }
            Some(winner) if !self.unresolved.is_empty() => {
                let others: Vec<String> = self.unresolved.iter().map(ToString::to_string).collect();
                let caution = if self.permitted() {
                    "none of them forbids it, so it is allowed but not required"
                } else {
                    "one of them forbids it, so it is refused by caution"
                };
                out.push_str(&format!(
                    "action {:?} is {status}: norm {winner} conflicts with norm(s) {} of equal \
                     priority, specificity and time, and no rule decides between them; {caution}",
                    self.action,
                    others.join(", ")
                ));
            }
            Some(winner) => {
                out.push_str(&format!(
                    "action {:?} is {status} by norm {winner}",
                    self.action
                ));
                if !self.concurring.is_empty() {
                    let c: Vec<String> = self.concurring.iter().map(ToString::to_string).collect();
                    out.push_str(&format!(" (concurring: {})", c.join(", ")));
                }
            }
        }
        if self.modality == Modality::Optional && self.cost != 0.0 {
            out.push_str(&format!(", at a cost of {}", self.cost));
        }
        if self.calculus != Calculus::Priority {
            out.push_str(&format!(" [{} calculus]", self.calculus));
        }
        if !self.tags.is_empty() {
            out.push_str(&format!("\n  action tags: {}", self.tags.join(", ")));
        }
        for d in &self.defeated {
            out.push_str(&format!(
                "\n  norm {} defeated by norm {}: {} ({})",
                d.norm, d.by, d.rule, d.reason
            ));
        }
        if !self.unknown.is_empty() {
            let ids: Vec<String> = self.unknown.iter().map(ToString::to_string).collect();
            let what = if self.undecided {
                if self.permitted() {
                    "the status depends on whether they apply, so the action is allowed but not \
                     required"
                } else {
                    "the status depends on whether they apply, and one way they may apply \
                     forbids the action, so it is refused by caution"
                }
            } else {
                "the status is the same whether they apply or not"
            };
            out.push_str(&format!(
                "\n  unknown: norm(s) {} read a missing value (missing=\"propagate\"); {what}",
                ids.join(", ")
            ));
        }
        if !self.missing.is_empty() {
            out.push_str(&format!("\n  missing inputs: {}", self.missing.join("; ")));
        }
        for (norm, d) in &self.decisions {
            let p = &d.params;
            out.push_str(&format!(
                "\n  norm {norm} decided on uncertain values: P(true) ~ {:.3} from {} samples \
                 (threshold {}, confidence {}, {}, seed {}): {}",
                d.estimate(),
                d.samples,
                p.threshold,
                p.confidence,
                d.reason.as_str(),
                d.seed,
                if d.outcome { "holds" } else { "does not hold" }
            ));
        }
        out
    }
}

impl fmt::Display for DeonticVerdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.justification())
    }
}
