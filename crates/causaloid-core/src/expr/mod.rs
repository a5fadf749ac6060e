//! The native expression language: an AST users build from Python
//! (`cl.expr.col("x") > 0.5`), compiled to a small stack program that the
//! engine runs on one row or vectorised over a block of rows.

mod ast;
mod closure;
mod columns;
pub(crate) mod program;
mod read;

pub(crate) use ast::grow;
pub use ast::{BinaryOp, Expr, UnaryOp, MAX_DEPTH};
pub(crate) use closure::compile as compile_row;
pub use closure::RowFn;
pub use columns::{ColumnTable, Contexts, Slot};
pub(crate) use program::{nan_max, nan_min, Op, Operand};
pub use program::{BlockScratch, Program, Scratch};
pub use read::{ContextRead, ReadKind};
