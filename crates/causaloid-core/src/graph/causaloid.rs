//! A causaloid: one unit of causality, an id, a description and a causal
//! function — a native expression or a host-language callable.

use super::id::NodeId;
use crate::context::SharedContext;
use crate::error::{CausalError, ErrorPayload};
use crate::expr::{ColumnTable, Expr, Program};
use crate::value::{Kind, Value};
use std::any::Any;
use std::fmt;
use std::sync::Arc;

/// The host's view of the observation (for Python: the row mapping, or the
/// dict of column arrays in a batch), handed to callables untouched.
pub type HostRow = dyn Any + Send + Sync;

/// What a causal function returns on one row.
#[derive(Clone, Debug, PartialEq)]
pub enum Output {
    /// The value the function decided: a number, a bool or a degree.
    Value(Value),
    /// Continue the evaluation at another node of the graph with this value.
    Relay(NodeId, Value),
}

/// How a host callable failed.
#[derive(Clone, Debug)]
pub enum CallError {
    /// It raised; `payload` carries the host's exception for chaining.
    Raised {
        message: String,
        payload: Option<ErrorPayload>,
    },
    /// It returned something that is not a verdict (described in words).
    Invalid(String),
}

/// A causal function implemented outside the engine (a Python callable).
///
/// `call` sees one row; `call_batch` sees a whole batch at once and must return
/// one value per row. Both must decide the same way on the same row.
pub trait CausalFunction: Send + Sync {
    fn call(&self, value: Option<Value>, host: Option<&HostRow>) -> Result<Output, CallError>;
    fn call_batch(
        &self,
        value: Option<(Kind, &[f64])>,
        len: usize,
        host: Option<&HostRow>,
    ) -> Result<(Kind, Vec<f64>), CallError>;
    /// [`CausalFunction::call`] on row `row` of a batch whose host is `batch`
    /// (what `call_batch` receives): a batch row that the row evaluator
    /// decides alone (a missing input, a NaN result under
    /// `missing="propagate"`) must see the same row as `call` would. The
    /// default hands no host row; implementations whose functions read the
    /// row override it.
    fn call_at(
        &self,
        value: Option<Value>,
        batch: Option<&HostRow>,
        row: usize,
    ) -> Result<Output, CallError> {
        let _ = (batch, row);
        self.call(value, None)
    }
    /// A short label for explanations, e.g. `python function is_hot`.
    fn label(&self) -> String;
}

/// The causal function of a causaloid.
#[derive(Clone)]
pub enum Function {
    Expr { expr: Expr, program: Program },
    Callable(Arc<dyn CausalFunction>),
}

impl fmt::Debug for Function {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Function::Expr { expr, .. } => write!(f, "Expr({expr})"),
            Function::Callable(c) => write!(f, "Callable({})", c.label()),
        }
    }
}

/// One unit of causality.
#[derive(Clone, Debug)]
pub struct Causaloid {
    id: NodeId,
    description: String,
    function: Function,
    table: ColumnTable,
    /// How a bool it decides on uncertain inputs is decided (None: the defaults).
    decide: Option<crate::uncertain::SprtParams>,
}

impl Causaloid {
    /// A causaloid deciding by a native expression that reads no context.
    pub fn from_expr(
        id: impl Into<NodeId>,
        description: impl Into<String>,
        expr: Expr,
    ) -> Result<Causaloid, CausalError> {
        Causaloid::from_expr_in(id, description, expr, &[])
    }

    /// A causaloid deciding by a native expression, holding `contexts`: its
    /// context reads are filled from them, and the reads that name no context
    /// read the first one.
    pub fn from_expr_in(
        id: impl Into<NodeId>,
        description: impl Into<String>,
        expr: Expr,
        contexts: &[Arc<SharedContext>],
    ) -> Result<Causaloid, CausalError> {
        expr.check_depth()?;
        let mut table = ColumnTable::new();
        for c in contexts {
            table.add_context(c)?;
        }
        let expr = match contexts.first() {
            Some(own) => expr.bind_context(own.snapshot().name()),
            None => expr,
        };
        let program = Program::compile(&expr, &mut table);
        Ok(Causaloid {
            id: id.into(),
            description: description.into(),
            function: Function::Expr { expr, program },
            table,
            decide: None,
        })
    }

    /// Sets how a bool it decides on uncertain inputs is decided.
    pub fn with_decide(
        mut self,
        params: crate::uncertain::SprtParams,
    ) -> Result<Causaloid, CausalError> {
        params
            .validate()
            .map_err(|e| CausalError::InvalidArgument {
                name: "decide",
                message: e.to_string(),
            })?;
        self.decide = Some(params);
        Ok(self)
    }

    /// How a bool it decides on uncertain inputs is decided (None: the defaults).
    pub fn decide(&self) -> Option<crate::uncertain::SprtParams> {
        self.decide
    }

    /// A causaloid deciding by a host callable.
    pub fn from_fn(
        id: impl Into<NodeId>,
        description: impl Into<String>,
        function: Arc<dyn CausalFunction>,
    ) -> Causaloid {
        Causaloid {
            id: id.into(),
            description: description.into(),
            function: Function::Callable(function),
            table: ColumnTable::new(),
            decide: None,
        }
    }

    pub fn id(&self) -> &NodeId {
        &self.id
    }

    pub fn description(&self) -> &str {
        &self.description
    }

    pub fn function(&self) -> &Function {
        &self.function
    }

    pub fn table(&self) -> &ColumnTable {
        &self.table
    }

    pub(crate) fn table_mut(&mut self) -> &mut ColumnTable {
        &mut self.table
    }

    /// The expression, when the causaloid has one.
    pub fn expr(&self) -> Option<&Expr> {
        match &self.function {
            Function::Expr { expr, .. } => Some(expr),
            Function::Callable(_) => None,
        }
    }

    pub(crate) fn program(&self) -> Option<&Program> {
        match &self.function {
            Function::Expr { program, .. } => Some(program),
            Function::Callable(_) => None,
        }
    }
}

/// Turns a callable's failure into the engine's error for node `id`.
pub(crate) fn call_error(id: &NodeId, e: CallError, row: Option<usize>) -> CausalError {
    match e {
        CallError::Raised { message, payload } => CausalError::Callable {
            id: id.clone(),
            message,
            payload,
        },
        CallError::Invalid(found) => CausalError::InvalidVerdict {
            id: id.clone(),
            found,
            row,
        },
    }
}

/// Checks a raw value into a verdict where one is needed, naming the node
/// (and row) that gave something else.
#[inline]
pub(crate) fn check_verdict(
    id: &NodeId,
    kind: Kind,
    x: f64,
    row: Option<usize>,
) -> Result<crate::value::Verdict, CausalError> {
    crate::value::Verdict::from_raw(kind, x).map_err(|bad| CausalError::InvalidVerdict {
        id: id.clone(),
        found: format!("{bad}"),
        row,
    })
}
