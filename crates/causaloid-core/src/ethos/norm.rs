//! A norm: what an action must, must not or may do under a condition, and the
//! three ranks (priority, specificity, time) that settle conflicts between norms.

use super::context::ActionContext;
use super::error::EthosError;
use crate::expr::{ColumnTable, Expr, Program, Scratch};
use crate::graph::NodeId;
use crate::value::{Kind, Verdict};
use std::fmt;
use std::sync::Arc;

/// The deontic status a norm gives its action when its predicate holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Modality {
    /// The action must be taken.
    Obligatory,
    /// The action must not be taken.
    Impermissible,
    /// The action may be taken (an explicit permission).
    Optional,
}

impl Modality {
    pub const ALL: [Modality; 3] = [
        Modality::Obligatory,
        Modality::Impermissible,
        Modality::Optional,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Modality::Obligatory => "obligatory",
            Modality::Impermissible => "impermissible",
            Modality::Optional => "optional",
        }
    }

    /// Parses a modality name (case-insensitive, surrounding blanks ignored).
    pub fn from_name(name: &str) -> Result<Modality, EthosError> {
        let wanted = name.trim().to_ascii_lowercase();
        Modality::ALL
            .into_iter()
            .find(|m| m.name() == wanted)
            .ok_or_else(|| EthosError::UnknownModality {
                found: name.to_owned(),
            })
    }

    /// Whether an action with this status may be carried out.
    pub fn permits(self) -> bool {
        self != Modality::Impermissible
    }
}

impl fmt::Display for Modality {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A predicate written in a host language (for example a Python callable),
/// called with the proposed action and its context.
pub trait NormPredicate: Send + Sync {
    /// Whether the norm applies. `Err` carries the message and, optionally, the
    /// host's own error object so the bindings can chain it.
    fn holds(
        &self,
        action: &str,
        context: &ActionContext<'_>,
    ) -> Result<bool, (String, Option<crate::ErrorPayload>)>;
}

/// When a norm applies.
#[derive(Clone)]
pub enum Predicate {
    /// Always, whenever its action is proposed.
    Always,
    /// A native expression over the context's named values; it applies when the
    /// expression's verdict is active (true, or a degree of at least 0.5).
    Expr(Expr),
    /// A host-language callable.
    Host(Arc<dyn NormPredicate>),
}

impl fmt::Debug for Predicate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Predicate::Always => f.write_str("Always"),
            Predicate::Expr(e) => write!(f, "Expr({e})"),
            Predicate::Host(_) => f.write_str("Host(..)"),
        }
    }
}

/// Governs every action, when used as a norm's action.
pub const ANY_ACTION: &str = "*";

/// One norm of an ethos.
#[derive(Clone, Debug)]
pub struct Norm {
    pub id: NodeId,
    /// The action it governs, or [`ANY_ACTION`].
    pub action: String,
    pub predicate: Predicate,
    pub modality: Modality,
    /// Authority: a higher priority defeats a lower one (lex superior).
    pub priority: i64,
    /// How narrow the case is: the more specific defeats the more general (lex specialis).
    pub specificity: i64,
    /// When the norm was enacted: the later defeats the earlier (lex posterior).
    pub time: f64,
    pub description: String,
    /// The contexts its predicate's context reads are filled from; reads
    /// that name no context read the first.
    pub contexts: Vec<std::sync::Arc<crate::context::SharedContext>>,
}

impl Norm {
    pub fn new(id: impl Into<NodeId>, action: impl Into<String>, modality: Modality) -> Norm {
        Norm {
            id: id.into(),
            action: action.into(),
            predicate: Predicate::Always,
            modality,
            priority: 0,
            specificity: 0,
            time: 0.0,
            description: String::new(),
            contexts: Vec::new(),
        }
    }

    /// Holds `contexts` for the predicate's context reads.
    pub fn with_contexts(
        mut self,
        contexts: Vec<std::sync::Arc<crate::context::SharedContext>>,
    ) -> Norm {
        self.contexts = contexts;
        self
    }

    pub fn when(mut self, predicate: Expr) -> Norm {
        self.predicate = Predicate::Expr(predicate);
        self
    }

    pub fn priority(mut self, priority: i64) -> Norm {
        self.priority = priority;
        self
    }

    pub fn specificity(mut self, specificity: i64) -> Norm {
        self.specificity = specificity;
        self
    }

    pub fn time(mut self, time: f64) -> Norm {
        self.time = time;
        self
    }

    pub fn governs(&self, action: &str) -> bool {
        self.action == ANY_ACTION || self.action == action
    }

    /// Checks the fields the engine relies on (a finite time, a named action).
    pub fn validate(&self) -> Result<(), EthosError> {
        if !self.time.is_finite() {
            return Err(EthosError::InvalidNorm {
                norm: self.id.clone(),
                name: "time",
                message: format!("{} is not a finite number", self.time),
            });
        }
        if self.action.is_empty() {
            return Err(EthosError::InvalidNorm {
                norm: self.id.clone(),
                name: "action",
                message: "the action name is empty".to_owned(),
            });
        }
        Ok(())
    }
}

/// A norm ready to be evaluated: its expression compiled against the ethos's
/// column table.
#[derive(Clone, Debug)]
pub(crate) struct CompiledNorm {
    pub norm: Norm,
    pub program: Option<Program>,
    pub columns: Vec<u32>,
}

impl CompiledNorm {
    pub fn compile(norm: Norm, table: &mut ColumnTable) -> Result<CompiledNorm, EthosError> {
        norm.validate()?;
        let (program, columns) = match &norm.predicate {
            Predicate::Expr(e) => {
                if e.reads_value() {
                    return Err(EthosError::InvalidNorm {
                        norm: norm.id.clone(),
                        name: "predicate",
                        message: "a norm's expression reads named context values with col(...); \
                                  value() has no meaning here"
                            .to_owned(),
                    });
                }
                e.check_depth()
                    .map_err(|source| EthosError::Read { source })?;
                for c in &norm.contexts {
                    table
                        .add_context(c)
                        .map_err(|source| EthosError::Read { source })?;
                }
                let e = match norm.contexts.first() {
                    Some(own) => e.bind_context(own.snapshot().name()),
                    None => e.clone(),
                };
                let program = Program::compile(&e, table);
                let columns = e.columns().iter().filter_map(|c| table.get(c)).collect();
                (Some(program), columns)
            }
            _ => (None, Vec::new()),
        };
        Ok(CompiledNorm {
            norm,
            program,
            columns,
        })
    }

    /// Whether the norm applies to `action` in `context`. `row` holds the
    /// context's values aligned with the ethos's column table (NaN when absent).
    pub fn holds(
        &self,
        action: &str,
        context: &ActionContext<'_>,
        row: &[f64],
        present: &[bool],
        table: &ColumnTable,
        stack: &mut Scratch,
    ) -> Result<bool, EthosError> {
        match (&self.norm.predicate, &self.program) {
            (Predicate::Always, _) => Ok(true),
            (Predicate::Expr(_), Some(program)) => {
                for &slot in &self.columns {
                    if !present.get(slot as usize).copied().unwrap_or(false) {
                        return Err(EthosError::MissingContext {
                            norm: self.norm.id.clone(),
                            column: match table.slots().get(slot as usize) {
                                Some(crate::expr::Slot::Input(name)) => name.clone(),
                                _ => String::new(),
                            },
                            known: context.names(),
                        });
                    }
                }
                let (kind, x) = program.eval(row, (Kind::Num, f64::NAN), &[], stack);
                match Verdict::from_raw(kind, x) {
                    Ok(v) => Ok(v.is_active()),
                    Err(found) => Err(EthosError::InvalidPredicate {
                        norm: self.norm.id.clone(),
                        found: found.to_string(),
                    }),
                }
            }
            (Predicate::Expr(_), None) => Ok(false),
            (Predicate::Host(p), _) => {
                p.holds(action, context)
                    .map_err(|(message, payload)| EthosError::Predicate {
                        norm: self.norm.id.clone(),
                        message,
                        payload,
                    })
            }
        }
    }
}
