//! A norm: what an action must, must not or may do under a condition, and the
//! three ranks (priority, specificity, time) that settle conflicts between norms.

use super::context::ActionContext;
use super::error::EthosError;
use crate::expr::{ColumnTable, Expr, Program, Scratch};
use crate::graph::{Causaloid, Input, Member, Missing, NodeId, Sampled, SampledInput, SampledMode};
use crate::uncertain::{Decision, SprtParams};
use crate::value::{Kind, Value, Verdict};
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
    /// A causaloid, collection or graph reading the context by column name:
    /// the norm applies when it decides an active verdict. On uncertain
    /// context values it is decided by the engine's sampled evaluation.
    Member(Member),
}

impl fmt::Debug for Predicate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Predicate::Always => f.write_str("Always"),
            Predicate::Expr(e) => write!(f, "Expr({e})"),
            Predicate::Host(_) => f.write_str("Host(..)"),
            Predicate::Member(m) => write!(f, "Member({})", m.id()),
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
    /// Tags: the norm vets only actions carrying one of them (none: every
    /// action it governs by name). A specialization also carries its parent's.
    pub tags: Vec<String>,
    /// The cost of taking the action, for an optional norm (0 otherwise).
    pub cost: f64,
    /// Norms this one defeats explicitly whenever both apply.
    pub defeats: Vec<NodeId>,
    /// The norm this one specializes: it applies only where its parent's
    /// predicate holds too, carries the parent's tags and ranks at least one
    /// step more specific.
    pub inherits: Option<NodeId>,
    /// How a predicate on uncertain values is decided (None: the defaults).
    pub decide: Option<SprtParams>,
    /// The sampling seed of this norm's decisions (None: the evaluation's).
    pub seed: Option<u64>,
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
            tags: Vec::new(),
            cost: 0.0,
            defeats: Vec::new(),
            inherits: None,
            decide: None,
            seed: None,
        }
    }

    pub fn tags<I, S>(mut self, tags: I) -> Norm
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.tags = tags.into_iter().map(Into::into).collect();
        self
    }

    pub fn cost(mut self, cost: f64) -> Norm {
        self.cost = cost;
        self
    }

    pub fn defeats(mut self, ids: impl IntoIterator<Item = NodeId>) -> Norm {
        self.defeats = ids.into_iter().collect();
        self
    }

    pub fn inherits(mut self, parent: impl Into<NodeId>) -> Norm {
        self.inherits = Some(parent.into());
        self
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
        let invalid = |name: &'static str, message: String| EthosError::InvalidNorm {
            norm: self.id.clone(),
            name,
            message,
        };
        if self.tags.iter().any(|t| t.trim().is_empty()) {
            return Err(invalid("tags", "a tag is empty".to_owned()));
        }
        if !self.cost.is_finite() || self.cost < 0.0 {
            return Err(invalid(
                "cost",
                format!("{} is not a finite number >= 0", self.cost),
            ));
        }
        if self.cost != 0.0 && self.modality != Modality::Optional {
            return Err(invalid(
                "cost",
                format!(
                    "only an optional norm carries a cost; this one is {}",
                    self.modality
                ),
            ));
        }
        if self.defeats.contains(&self.id) {
            return Err(invalid("defeats", "a norm cannot defeat itself".to_owned()));
        }
        if self.inherits.as_ref() == Some(&self.id) {
            return Err(invalid(
                "inherits",
                "a norm cannot specialize itself".to_owned(),
            ));
        }
        if let Some(p) = &self.decide {
            p.validate().map_err(|e| invalid("decide", e.to_string()))?;
        }
        Ok(())
    }
}

/// A norm ready to be evaluated: its expression compiled against the ethos's
/// column table.
#[derive(Clone)]
pub(crate) struct CompiledNorm {
    pub norm: Norm,
    pub program: Option<Program>,
    pub columns: Vec<u32>,
    /// The predicate as a member of the graph engine, for uncertain inputs
    /// (and the predicate itself for a causaloid predicate).
    pub member: Option<Member>,
}

impl fmt::Debug for CompiledNorm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CompiledNorm")
            .field("norm", &self.norm)
            .field("columns", &self.columns)
            .finish_non_exhaustive()
    }
}

/// What deciding a norm's predicate found: whether it holds (`None`:
/// unknown, it reads a missing value under `Missing::Propagate`), and the
/// sequential decisions taken on uncertain values (none on certain ones).
pub(crate) type Held = (Option<bool>, Vec<(NodeId, Decision)>);

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
        let member = match &norm.predicate {
            Predicate::Expr(e) => {
                let mut c = Causaloid::from_expr_in(
                    norm.id.clone(),
                    norm.description.clone(),
                    e.clone(),
                    &norm.contexts,
                )
                .map_err(|source| EthosError::Read { source })?;
                if let Some(p) = norm.decide {
                    c = c
                        .with_decide(p)
                        .map_err(|source| EthosError::Read { source })?;
                }
                Some(Member::Causaloid(Arc::new(c)))
            }
            Predicate::Member(m) => {
                // Its columns become the ethos's, so a state machine feeds them.
                for c in m.columns() {
                    table.slot(c);
                }
                Some(m.clone())
            }
            _ => None,
        };
        Ok(CompiledNorm {
            norm,
            program,
            columns,
            member,
        })
    }

    /// Whether the predicate reads one of the context's uncertain values, or
    /// the value of an uncertain data contextoid.
    fn reads_uncertain(&self, context: &ActionContext<'_>) -> bool {
        let Some(m) = self.member.as_ref() else {
            return false;
        };
        (context.has_uncertain() && m.columns().iter().any(|c| context.uncertain(c).is_some()))
            || m.layout().reads_uncertain().unwrap_or(false)
    }

    /// Evaluates the predicate as a member of the graph engine: on samples
    /// when a value it reads is uncertain, else on the certain row.
    fn holds_member(
        &self,
        member: &Member,
        context: &ActionContext<'_>,
        policy: Missing,
        notes: &mut Vec<String>,
    ) -> Result<Held, EthosError> {
        let id = &self.norm.id;
        let missing = |column: &str| EthosError::MissingContext {
            norm: id.clone(),
            column: column.to_owned(),
            known: context.names(),
        };
        let sampled_fail = |source| EthosError::Sampled {
            norm: id.clone(),
            source: Box::new(source),
        };
        let eval = if self.reads_uncertain(context) {
            let mut cells = Vec::with_capacity(member.columns().len());
            for c in member.columns() {
                let cell = match (context.uncertain(c), context.get(c)) {
                    (Some(u), _) => Sampled::Uncertain(u.clone()),
                    (None, Some(x)) => Sampled::Certain(Value::Num(x)),
                    (None, None) => return Err(missing(c)),
                };
                cells.push(cell);
            }
            let samples = self
                .norm
                .decide
                .or_else(|| match member {
                    Member::Causaloid(c) => c.decide(),
                    _ => None,
                })
                .map_or(SprtParams::default().max_samples, |p| p.max_samples);
            let input = SampledInput {
                value: None,
                row: cells,
                host: None,
                seed: self.norm.seed.unwrap_or(context.seed()),
                samples,
            };
            member
                .evaluate_sampled(&input, &SampledMode::Roots)
                .map_err(sampled_fail)?
        } else {
            let mut row = Vec::with_capacity(member.columns().len());
            for c in member.columns() {
                row.push(context.get(c).ok_or_else(|| missing(c))?);
            }
            member.evaluate_with(
                &Input {
                    value: None,
                    row: &row,
                    host: None,
                },
                policy,
            )
        };
        for n in eval.missing_inputs() {
            if !notes.contains(n) {
                notes.push(n.clone());
            }
        }
        if eval.is_unknown() {
            return Ok((None, Vec::new()));
        }
        let verdict = eval.verdict().map_err(|e| missing_of(id, e))?;
        let decisions = eval
            .decisions()
            .iter()
            .map(|(_, d)| (id.clone(), d.clone()))
            .collect();
        Ok((Some(verdict.is_active()), decisions))
    }

    /// Whether the norm applies to `action` in `context`. `row` holds the
    /// context's values aligned with the ethos's column table (NaN when
    /// absent). A missing value (NaN) the predicate reads is decided by
    /// `policy` (see `graph/missing.rs`); the missing inputs met join `notes`.
    #[allow(clippy::too_many_arguments)]
    pub fn holds(
        &self,
        action: &str,
        context: &ActionContext<'_>,
        row: &[f64],
        present: &[bool],
        table: &ColumnTable,
        stack: &mut Scratch,
        policy: Missing,
        notes: &mut Vec<String>,
    ) -> Result<Held, EthosError> {
        if let (Predicate::Member(_), Some(m)) | (Predicate::Expr(_), Some(m)) =
            (&self.norm.predicate, &self.member)
        {
            if matches!(self.norm.predicate, Predicate::Member(_)) || self.reads_uncertain(context)
            {
                return self.holds_member(m, context, policy, notes);
            }
        }
        let certain = |b: bool| (Some(b), Vec::new());
        match (&self.norm.predicate, &self.program) {
            (Predicate::Always, _) => Ok(certain(true)),
            (Predicate::Member(_), _) => Ok(certain(false)),
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
                if let Some(slot) = crate::graph::missing::program_missing(program, row) {
                    if policy == Missing::Raise {
                        return Err(EthosError::MissingValue {
                            norm: self.norm.id.clone(),
                            source: crate::CausalError::MissingInput {
                                column: crate::graph::missing::slot_name(table, slot),
                                row: None,
                                id: self.norm.id.clone(),
                            },
                        });
                    }
                    let (v, met) = crate::graph::missing::program_row(
                        &self.norm.id,
                        program,
                        table,
                        None,
                        row,
                        policy,
                    )
                    .map_err(|e| missing_of(&self.norm.id, e))?;
                    for n in met {
                        if !notes.contains(&n) {
                            notes.push(n);
                        }
                    }
                    let Some(v) = v else {
                        return Ok((None, Vec::new()));
                    };
                    return match Verdict::from_raw(v.kind(), v.num()) {
                        Ok(v) => Ok(certain(v.is_active())),
                        Err(found) => Err(EthosError::InvalidPredicate {
                            norm: self.norm.id.clone(),
                            found: found.to_string(),
                        }),
                    };
                }
                let (kind, x) = program.eval(row, (Kind::Num, f64::NAN), &[], stack);
                match Verdict::from_raw(kind, x) {
                    Ok(v) => Ok(certain(v.is_active())),
                    Err(found) => Err(EthosError::InvalidPredicate {
                        norm: self.norm.id.clone(),
                        found: found.to_string(),
                    }),
                }
            }
            (Predicate::Expr(_), None) => Ok(certain(false)),
            (Predicate::Host(p), _) => {
                p.holds(action, context)
                    .map(certain)
                    .map_err(|(message, payload)| EthosError::Predicate {
                        norm: self.norm.id.clone(),
                        message,
                        payload,
                    })
            }
        }
    }
}

/// A member predicate's failure: a missing value is the norm's
/// `MissingValueError`, anything else a failure to decide it.
fn missing_of(norm: &NodeId, e: crate::CausalError) -> EthosError {
    match e {
        e
        @ (crate::CausalError::MissingInput { .. } | crate::CausalError::MissingOutput { .. }) => {
            EthosError::MissingValue {
                norm: norm.clone(),
                source: e,
            }
        }
        source => EthosError::Sampled {
            norm: norm.clone(),
            source: Box::new(source),
        },
    }
}
