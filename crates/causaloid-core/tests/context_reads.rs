//! Context reads are filled by the engine: the same read gives the same value
//! in a causaloid, a collection, a graph, a batch, a state machine, an ethos
//! norm and after a JSON round trip.

mod common;

use causaloid_core::context::*;
use causaloid_core::csm::{Action, State, StateMachine};
use causaloid_core::ethos::{ActionContext, Ethos, Modality, Norm};
use causaloid_core::expr::{BinaryOp, ContextRead, ReadKind};
use causaloid_core::*;
use std::sync::Arc;

fn day(d: i64) -> i64 {
    d * 86_400
}

fn market() -> Arc<SharedContext> {
    let mut ctx = Context::new(1, "market");
    let mut ops = vec![Operation::Add(Contextoid::data("threshold", 11.0))];
    for d in 0..5 {
        ops.push(Operation::Add(
            Contextoid::time(d, TimeScale::Day, day(d)).with_field("close", 10.0 + d as f64),
        ));
    }
    ctx.apply(ops).expect("a valid context");
    Arc::new(SharedContext::new(ctx))
}

fn threshold() -> Expr {
    Expr::Read(ContextRead {
        context: String::new(),
        read: ReadKind::Node {
            id: "threshold".into(),
            field: "value".into(),
        },
    })
}

fn previous_close() -> Expr {
    Expr::Read(ContextRead {
        context: "market".into(),
        read: ReadKind::Window {
            scale: Some(TimeScale::Day),
            field: "close".into(),
            how: Aggregation::Last,
            start: -1,
            stop: 0,
            at: Some("time".into()),
        },
    })
}

/// close > previous day's close, and close > the threshold contextoid.
fn rising(ctx: &Arc<SharedContext>) -> Member {
    let e = Expr::col("close")
        .binary(BinaryOp::Gt, previous_close())
        .binary(
            BinaryOp::And,
            Expr::col("close").binary(BinaryOp::Gt, threshold()),
        );
    let c = Causaloid::from_expr_in("rising", "rising above threshold", e, &[Arc::clone(ctx)])
        .expect("builds");
    Member::Causaloid(Arc::new(c))
}

#[test]
fn the_same_read_decides_the_same_in_every_consumer() {
    let ctx = market();
    let m = rising(&ctx);
    assert_eq!(m.columns(), ["close", "time"]);
    // day 3: previous close 12; close 12.5 > 12 and > 11.
    let row = [12.5, day(3) as f64 + 10.0];
    let single = m.evaluate(&Input {
        value: None,
        row: &row,
        host: None,
    });
    assert_eq!(single.result().ok(), Some(Value::Bool(true)));
    let text = single.lines().join("\n");
    // the read in words, the period it covered, its value and the context
    assert!(
        text.contains("the previous day's close (1970-01-03) = 12, context market"),
        "{text}"
    );
    assert!(text.contains("Why: true because"), "{text}");

    // In a collection and a graph.
    let coll = Collection::new("c", "", vec![m.clone()], Logic::All).expect("collection");
    let coll = Member::Collection(Arc::new(coll));
    let mut g = CausalGraph::new("g", "");
    g.add(m.clone()).expect("add");
    g.freeze().expect("freeze");
    let g = Member::Graph(Arc::new(g));
    for s in [&coll, &g] {
        let e = s.evaluate(&Input {
            value: None,
            row: &row,
            host: None,
        });
        assert_eq!(
            e.result().ok(),
            Some(Value::Bool(true)),
            "{}",
            s.kind_name()
        );
    }

    // In a batch: row i equals the single row.
    let close = [12.5, 9.0, 14.5, 10.0];
    // A missing time makes the read missing: single rows and batches raise alike.
    let missing_row = [10.0, f64::NAN];
    let e = g.evaluate(&Input {
        value: None,
        row: &missing_row,
        host: None,
    });
    assert!(matches!(e.error(), Some(CausalError::MissingInput { .. })));
    let time = [row[1], row[1], day(4) as f64, day(3) as f64 + 20.0];
    let out = g
        .evaluate_batch(
            &BatchInput {
                columns: vec![&close, &time],
                len: 4,
                value: None,
                host: None,
            },
            false,
        )
        .expect("batch");
    for i in 0..4 {
        let r = [close[i], time[i]];
        let e = g.evaluate(&Input {
            value: None,
            row: &r,
            host: None,
        });
        assert_eq!(e.result().ok().map(Value::num), Some(out.verdicts[i]));
    }
    assert_eq!(out.verdicts, [1.0, 0.0, 1.0, 0.0]);

    // As a state of a state machine, one row and a batch.
    let mut machine = StateMachine::new(
        vec![(State::new("up", "", m.clone()), Action::record("buy"))],
        None,
        None,
    )
    .expect("machine");
    let fired = machine.step(&row, None).expect("step");
    assert_eq!(fired.len(), 1);

    // After a JSON round trip (the context is embedded).
    let text = g.to_json().expect("json");
    let back = Member::from_json(&text).expect("reads");
    let e = back.evaluate(&Input {
        value: None,
        row: &row,
        host: None,
    });
    assert_eq!(e.result().ok(), Some(Value::Bool(true)));
}

#[test]
fn a_norm_reads_its_context() {
    let ctx = market();
    let norm = Norm::new("cap", "buy", Modality::Impermissible)
        .when(Expr::col("price").binary(BinaryOp::Gt, threshold()))
        .with_contexts(vec![Arc::clone(&ctx)]);
    let ethos = Ethos::with_norms(vec![norm]).expect("ethos");
    let names = vec!["price".to_owned()];
    let high = [12.0];
    let verdict = ethos
        .evaluate("buy", &ActionContext::new(&names, &high), None)
        .expect("judged");
    assert_eq!(verdict.modality, Modality::Impermissible);
    let low = [10.0];
    let verdict = ethos
        .evaluate("buy", &ActionContext::new(&names, &low), None)
        .expect("judged");
    assert_ne!(verdict.modality, Modality::Impermissible);
}

#[test]
fn a_missing_context_is_named() {
    let ctx = market();
    let g = {
        let mut g = CausalGraph::new("g", "");
        g.add(rising(&ctx)).expect("add");
        g.freeze().expect("freeze");
        g
    };
    let text = g.to_json().expect("json");
    // Drop the embedded context: the reader must say which one is missing.
    let mut doc: serde_json::Value = serde_json::from_str(&text).expect("json");
    doc.as_object_mut().map(|o| o.remove("contexts"));
    let err = CausalGraph::from_json(&doc.to_string()).err();
    assert!(
        matches!(err, Some(CausalError::UnknownContext { ref name, .. }) if name == "market"),
        "{err:?}"
    );
    // An unbound read with no context is named at evaluation.
    let c = Causaloid::from_expr("t", "", Expr::col("x").binary(BinaryOp::Gt, threshold()))
        .expect("builds");
    let e = Member::Causaloid(Arc::new(c)).evaluate(&Input {
        value: None,
        row: &[1.0],
        host: None,
    });
    assert!(matches!(
        e.error(),
        Some(CausalError::UnknownContext { .. })
    ));
}
