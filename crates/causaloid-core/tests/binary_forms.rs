//! The engine's binary forms (what pickles carry) round-trip whatever they
//! hold, and any bytes at all decode to a value or an error, never a panic.

use causaloid_core::context::{Context, Contextoid, Relation, RelationKind, TimeScale};
use causaloid_core::ethos::DeonticVerdict;
use causaloid_core::uncertain::Decision;
use causaloid_core::NodeId;
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Kind {
    Data(f64),
    Time(i64),
    Space(f64, f64),
    Symbol(String),
}

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![
        (-1e9f64..1e9).prop_map(Kind::Data),
        (-1_000_000_000i64..1_000_000_000).prop_map(Kind::Time),
        ((-1e6f64..1e6), (-1e6f64..1e6)).prop_map(|(x, y)| Kind::Space(x, y)),
        "[a-z]{0,6}".prop_map(Kind::Symbol),
    ]
}

fn build(items: &[(Kind, Option<f64>)], links: &[(usize, usize)], string_ids: bool) -> Context {
    let mut ctx = Context::new("c", "prop");
    let id = |i: usize| -> NodeId {
        if string_ids {
            NodeId::Str(format!("n{i}"))
        } else {
            NodeId::Int(i as i64)
        }
    };
    for (i, (k, field)) in items.iter().enumerate() {
        let mut c = match k {
            Kind::Data(v) => Contextoid::data(id(i), *v),
            Kind::Time(t) => Contextoid::time(id(i), TimeScale::Second, *t),
            Kind::Space(x, y) => Contextoid::space(id(i), *x, *y, 0.0),
            Kind::Symbol(s) => Contextoid::symbolic(id(i), s.as_str()),
        };
        if let Some(v) = field {
            c = c.with_field("extra", *v);
        }
        ctx.add(c).unwrap();
    }
    for (a, b) in links {
        if *a < items.len() && *b < items.len() && a != b {
            let _ = ctx.relate(Relation {
                from: id(*a),
                to: id(*b),
                kind: RelationKind::Named("near".into()),
            });
        }
    }
    ctx
}

proptest! {
    #[test]
    fn a_context_round_trips_to_the_same_json(
        items in proptest::collection::vec((kind(), proptest::option::of(-1e6f64..1e6)), 0..40),
        links in proptest::collection::vec((0usize..40, 0usize..40), 0..30),
        string_ids in any::<bool>(),
    ) {
        let ctx = build(&items, &links, string_ids);
        let back = Context::from_bytes(&ctx.to_bytes()).unwrap();
        prop_assert_eq!(back.to_json().unwrap(), ctx.to_json().unwrap());
        prop_assert_eq!(back.n_relations(), ctx.n_relations());
    }

    #[test]
    fn any_bytes_decode_to_a_value_or_an_error(
        bytes in proptest::collection::vec(any::<u8>(), 0..200),
        magic in 0usize..4,
    ) {
        let mut doc = [b"CLCX", b"CLDV", b"CLSD", b"CLFI"][magic].to_vec();
        doc.extend_from_slice(&1u16.to_le_bytes());
        doc.extend_from_slice(&bytes);
        let _ = Context::from_bytes(&doc);
        let _ = DeonticVerdict::from_bytes(&doc);
        let _ = Decision::from_bytes(&doc);
        let _ = causaloid_core::csm::Firing::from_bytes(&doc);
        let _ = causaloid_core::csm::BatchFirings::from_bytes(&doc);
    }

    #[test]
    fn a_flipped_byte_never_panics(
        items in proptest::collection::vec((kind(), proptest::option::of(-1e6f64..1e6)), 1..10),
        at in any::<prop::sample::Index>(),
        value in any::<u8>(),
    ) {
        let mut bytes = build(&items, &[(0, 1)], false).to_bytes();
        let i = at.index(bytes.len());
        bytes[i] = value;
        let _ = Context::from_bytes(&bytes);
    }
}
