//! The compact binary form of a context (what a pickle carries): a columnar,
//! little-endian document owned by the engine.
//!
//! ```text
//! magic "CLCX", version u16 (= 1)
//! id (node id), name (string)
//! ids        : id column of the live contextoids, in insertion order
//! kinds      : one byte each (0 data, 1 time, 2 space, 3 space-time, 4 symbolic)
//! scales     : one byte per time contextoid (TimeScale::ALL index)
//! timestamps : i64 column, one per time and space-time contextoid
//! coords     : f64 column, x y z per space and space-time contextoid
//! symbols    : one string per symbolic contextoid
//! (version 2 on; kinds 5 geo, 6 ecef, 7 ned, 8 oriented, 9 symbolic time)
//! geometry   : f64 column: lat lon alt per geo, x y z per ecef, north east
//!              down ref_lat ref_lon ref_alt per ned, x y z qw qx qy qz per
//!              oriented contextoid
//! labels     : one string per symbolic time; ranks: its i64 column
//! (kind 10 uncertain data) distributions: one tag byte each (0 point,
//!              1 normal, 2 uniform, 3 bernoulli); its two parameters follow
//!              in the geometry column
//! fields     : count, then per field its name and an f64 column (the store's
//!              absent marker = absent; any other NaN is a NaN field)
//! relations  : kind names, then from/to positions and kind index as u32 columns
//! ```
//!
//! Decoding rebuilds the context through the same validated update as a
//! hand-built one, so a corrupt document is an error, never a broken context.

use super::contextoid::{ContextoidKind, RelationKind};
use super::error::ContextError;
use super::store::Context;
use super::time::TimeScale;
use super::uncertain_data::Distribution;
use crate::codec::{CodecError, Reader, Writer};
use crate::graph::NodeId;

const MAGIC: [u8; 4] = *b"CLCX";
const VERSION: u16 = 2;

fn codec_error(e: CodecError) -> ContextError {
    ContextError::Serialization {
        message: e.to_string(),
    }
}

impl Context {
    /// The compact binary form (see the module documentation).
    pub fn to_bytes(&self) -> Vec<u8> {
        let slots: Vec<u32> = self.live_slots().collect();
        let mut position = vec![u32::MAX; self.kinds.len()];
        for (p, s) in slots.iter().enumerate() {
            position[*s as usize] = p as u32;
        }
        let mut w = Writer::new(MAGIC, VERSION);
        w.node_id(&self.id);
        w.str(&self.name);
        let ids: Vec<_> = slots
            .iter()
            .map(|s| self.ids[*s as usize].clone())
            .collect();
        w.node_ids(&ids);
        let (mut tags, mut scales, mut stamps, mut coords, mut symbols) = (
            Vec::with_capacity(slots.len()),
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
        );
        let (mut geometry, mut labels, mut ranks) = (Vec::new(), Vec::new(), Vec::new());
        let mut dists = Vec::new();
        for s in &slots {
            match self.kind_at(*s) {
                ContextoidKind::Data => tags.push(0u8),
                ContextoidKind::Time { scale, timestamp } => {
                    tags.push(1);
                    scales.push(TimeScale::ALL.iter().position(|x| x == scale).unwrap_or(0) as u8);
                    stamps.push(*timestamp);
                }
                ContextoidKind::Space { x, y, z } => {
                    tags.push(2);
                    coords.extend_from_slice(&[*x, *y, *z]);
                }
                ContextoidKind::SpaceTime { x, y, z, timestamp } => {
                    tags.push(3);
                    coords.extend_from_slice(&[*x, *y, *z]);
                    stamps.push(*timestamp);
                }
                ContextoidKind::Symbolic { symbol } => {
                    tags.push(4);
                    symbols.push(symbol.as_str());
                }
                ContextoidKind::Geo { lat, lon, alt } => {
                    tags.push(5);
                    geometry.extend_from_slice(&[*lat, *lon, *alt]);
                }
                ContextoidKind::Ecef { x, y, z } => {
                    tags.push(6);
                    geometry.extend_from_slice(&[*x, *y, *z]);
                }
                ContextoidKind::Ned {
                    north,
                    east,
                    down,
                    ref_lat,
                    ref_lon,
                    ref_alt,
                } => {
                    tags.push(7);
                    geometry
                        .extend_from_slice(&[*north, *east, *down, *ref_lat, *ref_lon, *ref_alt]);
                }
                ContextoidKind::Oriented {
                    x,
                    y,
                    z,
                    qw,
                    qx,
                    qy,
                    qz,
                } => {
                    tags.push(8);
                    geometry.extend_from_slice(&[*x, *y, *z, *qw, *qx, *qy, *qz]);
                }
                ContextoidKind::SymbolicTime { label, rank } => {
                    tags.push(9);
                    labels.push(label.as_str());
                    ranks.push(*rank);
                }
                ContextoidKind::UncertainData { dist } => {
                    tags.push(10);
                    dists.push(dist.tag());
                    geometry.extend_from_slice(&dist.params());
                }
            }
        }
        w.bytes(&tags);
        w.bytes(&scales);
        w.i64s(&stamps);
        w.f64s(&coords);
        w.len(symbols.len());
        for s in symbols {
            w.str(s);
        }
        w.f64s(&geometry);
        w.len(labels.len());
        for l in labels {
            w.str(l);
        }
        w.i64s(&ranks);
        w.bytes(&dists);
        w.len(self.field_names.len());
        for (name, col) in self.field_names.iter().zip(&self.columns) {
            w.str(name);
            let live: Vec<f64> = slots.iter().map(|s| col[*s as usize]).collect();
            w.f64s(&live);
        }
        w.len(self.relation_kinds.len());
        for k in &self.relation_kinds {
            w.str(k.name());
        }
        let (mut from, mut to, mut kind) = (Vec::new(), Vec::new(), Vec::new());
        for (p, s) in slots.iter().enumerate() {
            let mut edges = self.outgoing[*s as usize].clone();
            edges.sort_unstable();
            for (other, k) in edges {
                from.push(p as u32);
                to.push(position[other as usize]);
                kind.push(k);
            }
        }
        w.u32s(&from);
        w.u32s(&to);
        w.u32s(&kind);
        w.into_bytes()
    }

    /// Rebuilds a context from [`Context::to_bytes`], validating it.
    pub fn from_bytes(bytes: &[u8]) -> Result<Context, ContextError> {
        Self::decode(bytes).map_err(codec_error)?
    }

    fn decode(bytes: &[u8]) -> Result<Result<Context, ContextError>, CodecError> {
        let (mut r, version) = Reader::open(bytes, MAGIC, VERSION)?;
        let id = r.node_id("context id")?;
        let name = r.str("context name")?;
        let ids = r.node_ids("contextoid ids")?;
        let tags = r.bytes("kinds")?;
        if tags.len() != ids.len() {
            return Err(CodecError::Invalid {
                what: "kinds",
                detail: format!("{} kinds for {} contextoids", tags.len(), ids.len()),
            });
        }
        let scales = r.bytes("time scales")?;
        let stamps = r.i64s("timestamps")?;
        let coords = r.f64s("coordinates")?;
        let n_symbols = r.len(8, "symbols")?;
        let symbols = (0..n_symbols)
            .map(|_| r.str("symbol"))
            .collect::<Result<Vec<_>, _>>()?;
        let (geometry, labels, ranks, dists) = if version >= 2 {
            let geometry = r.f64s("geometry")?;
            let n_labels = r.len(8, "symbolic time labels")?;
            let labels = (0..n_labels)
                .map(|_| r.str("symbolic time label"))
                .collect::<Result<Vec<_>, _>>()?;
            let ranks = r.i64s("symbolic time ranks")?;
            (geometry, labels, ranks, r.bytes("distributions")?.to_vec())
        } else {
            (Vec::new(), Vec::new(), Vec::new(), Vec::new())
        };
        let n_fields = r.len(16, "fields")?;
        let mut fields = Vec::with_capacity(n_fields);
        for _ in 0..n_fields {
            let name = r.str("field name")?;
            let col = r.f64s("field column")?;
            if col.len() != ids.len() {
                return Err(CodecError::Invalid {
                    what: "field column",
                    detail: format!(
                        "{name:?} has {} values for {} contextoids",
                        col.len(),
                        ids.len()
                    ),
                });
            }
            fields.push((name, col));
        }
        let n_kinds = r.len(8, "relation kinds")?;
        let kinds = (0..n_kinds)
            .map(|_| r.str("relation kind").map(|k| RelationKind::parse(&k)))
            .collect::<Result<Vec<_>, _>>()?;
        let from = r.u32s("relation sources")?;
        let to = r.u32s("relation targets")?;
        let kind = r.u32s("relation kinds")?;
        r.finish()?;
        if from.len() != to.len() || from.len() != kind.len() {
            return Err(CodecError::Invalid {
                what: "relations",
                detail: "columns of different lengths".to_owned(),
            });
        }
        let bad = |what: &'static str| CodecError::Invalid {
            what,
            detail: "more entries than contextoids of that kind".to_owned(),
        };
        let (mut si, mut ti, mut ci, mut yi) = (0usize, 0usize, 0usize, 0usize);
        let (mut gi, mut li, mut di) = (0usize, 0usize, 0usize);
        let mut kinds_out = Vec::with_capacity(ids.len());
        for tag in tags {
            let mut xyz = || -> Result<(f64, f64, f64), CodecError> {
                let c = coords.get(ci..ci + 3).ok_or_else(|| bad("coordinates"))?;
                ci += 3;
                Ok((c[0], c[1], c[2]))
            };
            let kind = match tag {
                0 => ContextoidKind::Data,
                1 => {
                    let scale = scales.get(si).ok_or_else(|| bad("time scales"))?;
                    let scale =
                        *TimeScale::ALL
                            .get(*scale as usize)
                            .ok_or(CodecError::Invalid {
                                what: "time scale",
                                detail: format!("{scale}"),
                            })?;
                    si += 1;
                    let timestamp = *stamps.get(ti).ok_or_else(|| bad("timestamps"))?;
                    ti += 1;
                    ContextoidKind::Time { scale, timestamp }
                }
                2 => {
                    let (x, y, z) = xyz()?;
                    ContextoidKind::Space { x, y, z }
                }
                3 => {
                    let (x, y, z) = xyz()?;
                    let timestamp = *stamps.get(ti).ok_or_else(|| bad("timestamps"))?;
                    ti += 1;
                    ContextoidKind::SpaceTime { x, y, z, timestamp }
                }
                4 => {
                    let symbol = symbols.get(yi).ok_or_else(|| bad("symbols"))?.clone();
                    yi += 1;
                    ContextoidKind::Symbolic { symbol }
                }
                5..=8 => {
                    let n = [3, 3, 6, 7][usize::from(tag - 5)];
                    let g = geometry.get(gi..gi + n).ok_or_else(|| bad("geometry"))?;
                    gi += n;
                    match tag {
                        5 => ContextoidKind::Geo {
                            lat: g[0],
                            lon: g[1],
                            alt: g[2],
                        },
                        6 => ContextoidKind::Ecef {
                            x: g[0],
                            y: g[1],
                            z: g[2],
                        },
                        7 => ContextoidKind::Ned {
                            north: g[0],
                            east: g[1],
                            down: g[2],
                            ref_lat: g[3],
                            ref_lon: g[4],
                            ref_alt: g[5],
                        },
                        _ => ContextoidKind::Oriented {
                            x: g[0],
                            y: g[1],
                            z: g[2],
                            qw: g[3],
                            qx: g[4],
                            qy: g[5],
                            qz: g[6],
                        },
                    }
                }
                9 => {
                    let label = labels.get(li).ok_or_else(|| bad("symbolic time labels"))?;
                    let rank = *ranks.get(li).ok_or_else(|| bad("symbolic time ranks"))?;
                    li += 1;
                    ContextoidKind::SymbolicTime {
                        label: label.clone(),
                        rank,
                    }
                }
                10 => {
                    let tag = *dists.get(di).ok_or_else(|| bad("distributions"))?;
                    di += 1;
                    let g = geometry.get(gi..gi + 2).ok_or_else(|| bad("geometry"))?;
                    gi += 2;
                    let dist =
                        Distribution::from_tag(tag, [g[0], g[1]]).ok_or(CodecError::Invalid {
                            what: "distribution",
                            detail: format!("tag {tag}"),
                        })?;
                    ContextoidKind::UncertainData { dist }
                }
                t => {
                    return Err(CodecError::Invalid {
                        what: "contextoid kind",
                        detail: format!("tag {t}"),
                    })
                }
            };
            kinds_out.push(kind);
        }
        // Contextoids first (validated as any update), then the field columns
        // set whole (a fresh context's slots are 0..n, in this order; a field
        // no contextoid carries is left out, as the JSON form leaves it out),
        // then the relations (validated too).
        let mut ctx = Context::new(id, name);
        if let Err(e) = ctx.bulk_add(ids, kinds_out) {
            return Ok(Err(e));
        }
        for (name, col) in &fields {
            if col.iter().any(|v| !super::store::is_absent(*v)) {
                ctx.set_column_exact(name, 0, col);
            }
        }
        for ((f, t), k) in from.iter().zip(&to).zip(&kind) {
            let kind = kinds
                .get(*k as usize)
                .ok_or_else(|| bad("relation kinds"))?;
            if let Err(e) = ctx.bulk_link(*f, *t, kind) {
                return Ok(Err(e));
            }
        }
        Ok(Ok(ctx))
    }
}

impl Context {
    /// Links the contextoids in slots `from` and `to` of a context being
    /// decoded, with the checks [`Context::relate`] makes (ends exist, no
    /// duplicate, temporal relations earlier to later).
    fn bulk_link(&mut self, from: u32, to: u32, kind: &RelationKind) -> Result<(), ContextError> {
        let n = self.ids.len();
        let (f, t) = (from as usize, to as usize);
        if f >= n || t >= n {
            return Err(ContextError::Serialization {
                message: "a relation names a contextoid that is not in the document".to_owned(),
            });
        }
        if let Some(k) = self.relation_kind_slot(kind) {
            if self.outgoing[f].contains(&(to, k)) {
                return Err(ContextError::DuplicateRelation {
                    from: self.ids[f].clone(),
                    to: self.ids[t].clone(),
                    kind: kind.to_string(),
                });
            }
        }
        if *kind == RelationKind::Temporal {
            self.check_time_order(from, to, self.kind_at(from), self.kind_at(to))?;
        }
        self.link_unchecked(from, to, kind);
        Ok(())
    }

    /// Adds many contextoids with no fields to an empty context at once,
    /// checking each as [`Contextoid::validate`] and the id index do, then
    /// sorting the time and space indexes once instead of per insertion. On
    /// an error the context is left half-built: callers discard it.
    fn bulk_add(
        &mut self,
        ids: Vec<NodeId>,
        kinds: Vec<ContextoidKind>,
    ) -> Result<(), ContextError> {
        let n = ids.len();
        self.index.reserve(n);
        let mut stored = Vec::with_capacity(n);
        for (slot, (id, kind)) in ids.iter().zip(kinds).enumerate() {
            let slot = u32::try_from(slot).map_err(|_| ContextError::Serialization {
                message: "too many contextoids for one context".to_owned(),
            })?;
            let kind = kind.normalized(id)?;
            if let Some(p) = kind.position() {
                self.space.push((p[0], slot));
            }
            if let Some((key, t)) = kind.time_key() {
                self.time.entry(key).or_default().push((t, slot));
            }
            if self.index.contains_key(id) {
                return Err(ContextError::DuplicateId { id: id.clone() });
            }
            self.index.insert(id.clone(), slot);
            stored.push(kind);
        }
        for idx in self.time.values_mut() {
            idx.sort_unstable();
        }
        self.space
            .sort_unstable_by(|(x, s), (y, t)| x.total_cmp(y).then(s.cmp(t)));
        self.ids = ids;
        self.kinds = stored.into_iter().map(Some).collect();
        self.outgoing = vec![Vec::new(); n];
        self.incoming = vec![Vec::new(); n];
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::{Contextoid, Relation};

    fn sample() -> Context {
        let mut ctx = Context::new("btc", "prices");
        ctx.add(Contextoid::time(1, TimeScale::Day, 86_400).with_field("close", 1.5))
            .unwrap();
        ctx.add(Contextoid::time(2, TimeScale::Day, 172_800).with_field("close", f64::INFINITY))
            .unwrap();
        ctx.add(Contextoid::space("s", 1.0, 2.0, 3.0)).unwrap();
        ctx.add(Contextoid::space_time(4, 0.5, 0.5, 0.0, 10))
            .unwrap();
        ctx.add(Contextoid::symbolic(5, "storm").with_field("level", -2.0))
            .unwrap();
        ctx.add(Contextoid::data(6, 0.25)).unwrap();
        ctx.add(Contextoid::geo("g", -33.86, 151.21, 58.0).with_field("temp", 21.5))
            .unwrap();
        ctx.add(Contextoid::ecef("e", 4e6, 1e5, 4.9e6)).unwrap();
        ctx.add(Contextoid::ned("n", [1.0, -2.0, 3.0], (48.0, 11.0, 500.0)))
            .unwrap();
        ctx.add(Contextoid::oriented(
            "o",
            [1.0, 2.0, 3.0],
            [1.0, 1.0, 0.0, 0.0],
        ))
        .unwrap();
        ctx.add(Contextoid::time(
            "ns",
            TimeScale::Nanosecond,
            1_614_556_800_123_456_789,
        ))
        .unwrap();
        ctx.add(Contextoid::time("k", TimeScale::Step, -7)).unwrap();
        ctx.add(Contextoid::symbolic_time("r", "review", 2))
            .unwrap();
        ctx.relate(Relation {
            from: NodeId::Int(1),
            to: NodeId::Int(2),
            kind: RelationKind::Temporal,
        })
        .unwrap();
        ctx.relate(Relation {
            from: "s".into(),
            to: NodeId::Int(5),
            kind: RelationKind::Named("near".into()),
        })
        .unwrap();
        ctx
    }

    #[test]
    fn binary_form_round_trips_to_the_same_json() {
        let ctx = sample();
        let back = Context::from_bytes(&ctx.to_bytes()).unwrap();
        assert_eq!(back.to_json().unwrap(), ctx.to_json().unwrap());
        assert_eq!(back.len(), ctx.len());
        assert_eq!(back.n_relations(), 2);
        let json = Context::from_json(&ctx.to_json().unwrap()).unwrap();
        assert_eq!(json.to_bytes(), ctx.to_bytes());
        assert_eq!(
            back.get(&"o".into()).unwrap(),
            ctx.get(&"o".into()).unwrap()
        );
    }

    #[test]
    fn a_duplicate_id_is_an_error_not_a_second_contextoid() {
        let mut ctx = Context::new(0, "c");
        ctx.add(Contextoid::data(1, 1.0)).unwrap();
        ctx.add(Contextoid::data(2, 2.0)).unwrap();
        let mut bytes = ctx.to_bytes();
        // magic + version (6), context id (tag + i64: 9), name (u64 + "c": 9),
        // then the id column: tag (1), count (8), the first id, the second id.
        let second = 6 + 9 + 9 + 1 + 8 + 8;
        assert_eq!(bytes[second..second + 8], 2i64.to_le_bytes());
        bytes[second..second + 8].copy_from_slice(&1i64.to_le_bytes());
        assert!(matches!(
            Context::from_bytes(&bytes),
            Err(ContextError::DuplicateId { .. })
        ));
    }

    #[test]
    fn every_truncation_is_an_error() {
        let bytes = sample().to_bytes();
        for n in 0..bytes.len() {
            assert!(Context::from_bytes(&bytes[..n]).is_err(), "prefix {n}");
        }
    }

    #[test]
    fn a_relation_to_a_missing_position_is_an_error() {
        let mut ctx = Context::new(0, "c");
        ctx.add(Contextoid::data(1, 1.0)).unwrap();
        let mut bytes = ctx.to_bytes();
        // Append a relation by hand: patch the three empty u32 columns.
        let cut = bytes.len() - 24;
        bytes.truncate(cut);
        for v in [[0u32], [7u32], [0u32]] {
            bytes.extend_from_slice(&1u64.to_le_bytes());
            bytes.extend_from_slice(&v[0].to_le_bytes());
        }
        assert!(Context::from_bytes(&bytes).is_err());
    }
}
