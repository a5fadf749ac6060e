//! Shared builders for the graph tests.
#![allow(dead_code)]

use causaloid_core::expr::{BinaryOp, UnaryOp};
use causaloid_core::graph::{CallError, CausalFunction, HostRow};
use causaloid_core::*;
use std::sync::Arc;

pub fn col(name: &str) -> Expr {
    Expr::col(name)
}

pub fn lit(x: f64) -> Expr {
    Expr::lit(x)
}

pub fn gt(a: Expr, b: Expr) -> Expr {
    a.binary(BinaryOp::Gt, b)
}

pub fn and(a: Expr, b: Expr) -> Expr {
    a.binary(BinaryOp::And, b)
}

pub fn not(a: Expr) -> Expr {
    a.unary(UnaryOp::Not)
}

pub fn causaloid(id: i64, expr: Expr) -> Member {
    Member::Causaloid(Arc::new(
        Causaloid::from_expr(id, format!("c{id}"), expr).expect("a valid expression"),
    ))
}

/// A Rust closure as a host callable, for tests.
pub struct Closure<F>(pub F);

impl<F> CausalFunction for Closure<F>
where
    F: Fn(Option<Value>) -> Result<Output, CallError> + Send + Sync,
{
    fn call(&self, value: Option<Value>, _host: Option<&HostRow>) -> Result<Output, CallError> {
        (self.0)(value)
    }

    fn call_batch(
        &self,
        value: Option<(Kind, &[f64])>,
        len: usize,
        _host: Option<&HostRow>,
    ) -> Result<(Kind, Vec<f64>), CallError> {
        let mut kind = Kind::Bool;
        let mut out = Vec::with_capacity(len);
        for i in 0..len {
            let v = value.map(|(k, xs)| Value::from_raw(k, xs[i]));
            match (self.0)(v)? {
                Output::Value(v) => {
                    kind = v.kind();
                    out.push(v.num());
                }
                Output::Relay(..) => return Err(CallError::Invalid("a relay in a batch".into())),
            }
        }
        Ok((kind, out))
    }

    fn label(&self) -> String {
        "rust closure".into()
    }
}

pub fn callable<F>(id: i64, f: F) -> Member
where
    F: Fn(Option<Value>) -> Result<Output, CallError> + Send + Sync + 'static,
{
    Member::Causaloid(Arc::new(Causaloid::from_fn(
        id,
        format!("f{id}"),
        Arc::new(Closure(f)),
    )))
}

/// A frozen graph from nodes and edges (by id).
pub fn graph(nodes: Vec<Member>, edges: &[(i64, i64)]) -> Arc<CausalGraph> {
    let mut g = CausalGraph::new("g", "test graph");
    for n in nodes {
        g.add(n).expect("add");
    }
    for &(a, b) in edges {
        g.link(&NodeId::Int(a), &NodeId::Int(b)).expect("link");
    }
    g.freeze().expect("freeze");
    Arc::new(g)
}

pub fn value_input(v: f64) -> Input<'static> {
    Input {
        value: Some(Value::Num(v)),
        row: &[],
        host: None,
    }
}
