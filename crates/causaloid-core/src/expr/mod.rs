//! The native expression language: an AST users build from Python
//! (`cl.expr.col("x") > 0.5`), compiled to a small stack program that the
//! engine runs on one row or vectorised over a block of rows.

mod ast;
mod closure;
mod program;

pub use ast::{BinaryOp, Expr, UnaryOp};
pub(crate) use closure::compile as compile_row;
pub use closure::RowFn;
pub use program::{BlockScratch, ColumnTable, Program, Scratch};
