//! Distances, conversions and regions over the spatial contextoids, each in
//! its own geometry: Euclidean for Space, SpaceTime and Oriented positions;
//! geodesic on the WGS84 ellipsoid for Geo; straight lines through the Earth
//! for ECEF and NED (a NED point is converted to ECEF through its reference,
//! so NED points of different references compare); angles between
//! orientations for Oriented. Regions over the new kinds scan the contextoids
//! of that kind (no spatial index yet).

use super::contextoid::ContextoidKind;
use super::error::ContextError;
use super::geo;
use super::store::Context;
use crate::graph::NodeId;

/// A geodetic point (degrees, degrees, metres).
pub type Geodetic = (f64, f64, f64);

impl ContextoidKind {
    /// The ECEF point of an Earth-fixed contextoid (Geo, Ecef, Ned).
    pub fn ecef(&self) -> Option<[f64; 3]> {
        match *self {
            ContextoidKind::Geo { lat, lon, alt } => Some(geo::geodetic_to_ecef(lat, lon, alt)),
            ContextoidKind::Ecef { x, y, z } => Some([x, y, z]),
            ContextoidKind::Ned {
                north,
                east,
                down,
                ref_lat,
                ref_lon,
                ref_alt,
            } => Some(geo::ned_to_ecef(
                [north, east, down],
                (ref_lat, ref_lon, ref_alt),
            )),
            _ => None,
        }
    }

    /// The Euclidean position of a Space, SpaceTime or Oriented contextoid.
    pub fn euclidean_position(&self) -> Option<[f64; 3]> {
        match *self {
            ContextoidKind::Oriented { x, y, z, .. } => Some([x, y, z]),
            _ => self.position(),
        }
    }

    pub fn orientation(&self) -> Option<[f64; 4]> {
        match *self {
            ContextoidKind::Oriented { qw, qx, qy, qz, .. } => Some([qw, qx, qy, qz]),
            _ => None,
        }
    }
}

fn check_finite(name: &'static str, values: &[f64]) -> Result<(), ContextError> {
    if values.iter().all(|v| v.is_finite()) {
        Ok(())
    } else {
        Err(ContextError::InvalidArgument {
            name,
            message: format!("{values:?} must be finite numbers"),
        })
    }
}

/// Checks a geodetic point given to a query or conversion.
pub fn check_geodetic(name: &'static str, p: Geodetic) -> Result<(), ContextError> {
    check_finite(name, &[p.0, p.1, p.2])?;
    let ok = (-90.0..=90.0).contains(&p.0)
        && (-180.0..=180.0).contains(&p.1)
        && (geo::ALT_RANGE.0..=geo::ALT_RANGE.1).contains(&p.2);
    if ok {
        Ok(())
    } else {
        Err(ContextError::InvalidArgument {
            name,
            message: format!(
                "({}, {}, {}) is not a geodetic point (latitude in [-90, 90], longitude in \
                 [-180, 180], altitude in [{}, {}] m)",
                p.0,
                p.1,
                p.2,
                geo::ALT_RANGE.0,
                geo::ALT_RANGE.1
            ),
        })
    }
}

fn check_radius(radius: f64) -> Result<(), ContextError> {
    if radius.is_finite() && radius >= 0.0 {
        Ok(())
    } else {
        Err(ContextError::InvalidArgument {
            name: "radius",
            message: format!("{radius} must be a finite number >= 0"),
        })
    }
}

impl Context {
    fn kind_of(&self, id: &NodeId) -> Result<&ContextoidKind, ContextError> {
        Ok(self.kind_at(self.slot(id)?))
    }

    fn mismatch(
        id: &NodeId,
        kind: &ContextoidKind,
        operation: &'static str,
        expected: &'static str,
    ) -> ContextError {
        ContextError::KindMismatch {
            id: id.clone(),
            operation,
            found: kind.name(),
            expected,
        }
    }

    /// The distance in metres (or the units of the coordinates) between two
    /// spatial contextoids: geodesic on the WGS84 ellipsoid between two Geo
    /// points (altitudes ignored); a straight line through ECEF between any
    /// other two Earth-fixed points (Geo, Ecef, Ned; altitudes included);
    /// Euclidean between Space, SpaceTime and Oriented positions. Mixing a
    /// Euclidean kind with an Earth-fixed one is a `KindMismatch`.
    pub fn distance(&self, a: &NodeId, b: &NodeId) -> Result<f64, ContextError> {
        let (ka, kb) = (self.kind_of(a)?, self.kind_of(b)?);
        if let (
            ContextoidKind::Geo {
                lat: la, lon: oa, ..
            },
            ContextoidKind::Geo {
                lat: lb, lon: ob, ..
            },
        ) = (ka, kb)
        {
            return Ok(geo::geodesic(*la, *oa, *lb, *ob));
        }
        match (ka.ecef(), kb.ecef()) {
            (Some(pa), Some(pb)) => return Ok(geo::euclidean(pa, pb)),
            (Some(_), None) => {
                return Err(Self::mismatch(
                    b,
                    kb,
                    "distance",
                    "an Earth-fixed contextoid (geo, ecef or ned), like the other end",
                ))
            }
            (None, Some(_)) => {
                return Err(Self::mismatch(
                    a,
                    ka,
                    "distance",
                    "an Earth-fixed contextoid (geo, ecef or ned), like the other end",
                ))
            }
            (None, None) => {}
        }
        let expected = "a spatial contextoid (space, space_time, oriented, geo, ecef or ned)";
        let pa = ka
            .euclidean_position()
            .ok_or_else(|| Self::mismatch(a, ka, "distance", expected))?;
        let pb = kb
            .euclidean_position()
            .ok_or_else(|| Self::mismatch(b, kb, "distance", expected))?;
        Ok(geo::euclidean(pa, pb))
    }

    /// The angle in radians (0 ..= pi) between the orientations of two
    /// Oriented contextoids.
    pub fn angle(&self, a: &NodeId, b: &NodeId) -> Result<f64, ContextError> {
        let get = |id: &NodeId| {
            let k = self.kind_of(id)?;
            k.orientation()
                .ok_or_else(|| Self::mismatch(id, k, "angle", "an oriented contextoid"))
        };
        Ok(geo::quaternion_angle(get(a)?, get(b)?))
    }

    /// The ECEF point (metres) of an Earth-fixed contextoid.
    pub fn to_ecef(&self, id: &NodeId) -> Result<[f64; 3], ContextError> {
        let k = self.kind_of(id)?;
        k.ecef().ok_or_else(|| {
            Self::mismatch(
                id,
                k,
                "to_ecef",
                "an Earth-fixed contextoid (geo, ecef or ned)",
            )
        })
    }

    /// The geodetic point (degrees, degrees, metres) of an Earth-fixed contextoid.
    pub fn to_geodetic(&self, id: &NodeId) -> Result<Geodetic, ContextError> {
        if let ContextoidKind::Geo { lat, lon, alt } = *self.kind_of(id)? {
            return Ok((lat, lon, alt));
        }
        let p = self.to_ecef(id)?;
        Ok(geo::ecef_to_geodetic(p[0], p[1], p[2]))
    }

    /// The NED coordinates of an Earth-fixed contextoid relative to `reference`.
    pub fn to_ned(&self, id: &NodeId, reference: Geodetic) -> Result<[f64; 3], ContextError> {
        check_geodetic("reference", reference)?;
        Ok(geo::ecef_to_ned(self.to_ecef(id)?, reference))
    }

    fn scan<F: Fn(&ContextoidKind) -> bool>(&self, keep: F) -> Vec<NodeId> {
        self.live_slots()
            .filter(|s| keep(self.kind_at(*s)))
            .map(|s| self.ids[s as usize].clone())
            .collect()
    }

    /// Geo contextoids within `radius` metres (geodesic) of `(lat, lon)`, in
    /// insertion order.
    pub fn geo_within(&self, lat: f64, lon: f64, radius: f64) -> Result<Vec<NodeId>, ContextError> {
        check_geodetic("centre", (lat, lon, 0.0))?;
        check_radius(radius)?;
        Ok(self.scan(|k| match *k {
            ContextoidKind::Geo { lat: a, lon: o, .. } => geo::geodesic(lat, lon, a, o) <= radius,
            _ => false,
        }))
    }

    /// Geo contextoids inside the latitude band `south ..= north` and the
    /// longitude band from `west` eastwards to `east` (`west > east` crosses the
    /// antimeridian: 170 .. -170 is 20 degrees wide), optionally within an
    /// altitude band.
    pub fn geo_box(
        &self,
        south: f64,
        west: f64,
        north: f64,
        east: f64,
        altitude: Option<(f64, f64)>,
    ) -> Result<Vec<NodeId>, ContextError> {
        check_geodetic("south-west corner", (south, west, 0.0))?;
        check_geodetic("north-east corner", (north, east, 0.0))?;
        if south > north {
            return Err(ContextError::InvalidArgument {
                name: "geo_box",
                message: format!("south {south} is north of north {north}"),
            });
        }
        let (lo, hi) = altitude.unwrap_or((f64::NEG_INFINITY, f64::INFINITY));
        if lo.is_nan() || hi.is_nan() {
            return Err(ContextError::InvalidArgument {
                name: "altitude",
                message: "an altitude bound is NaN".to_owned(),
            });
        }
        Ok(self.scan(|k| match *k {
            ContextoidKind::Geo { lat, lon, alt } => {
                (south..=north).contains(&lat)
                    && geo::lon_in_band(lon, west, east)
                    && (lo..=hi).contains(&alt)
            }
            _ => false,
        }))
    }

    /// Ecef contextoids within `radius` metres (straight line) of `centre`.
    pub fn ecef_within(&self, centre: [f64; 3], radius: f64) -> Result<Vec<NodeId>, ContextError> {
        check_finite("centre", &centre)?;
        check_radius(radius)?;
        Ok(self.scan(|k| match *k {
            ContextoidKind::Ecef { x, y, z } => geo::euclidean([x, y, z], centre) <= radius,
            _ => false,
        }))
    }

    /// Ecef contextoids inside the box `low <= p <= high`.
    pub fn ecef_box(&self, low: [f64; 3], high: [f64; 3]) -> Result<Vec<NodeId>, ContextError> {
        check_box(low, high)?;
        Ok(self.scan(|k| match *k {
            ContextoidKind::Ecef { x, y, z } => in_box([x, y, z], low, high),
            _ => false,
        }))
    }

    /// Ned contextoids (of any reference) whose coordinates in the NED frame
    /// of `reference` lie in the box `low <= (n, e, d) <= high`.
    pub fn ned_box(
        &self,
        reference: Geodetic,
        low: [f64; 3],
        high: [f64; 3],
    ) -> Result<Vec<NodeId>, ContextError> {
        check_geodetic("reference", reference)?;
        check_box(low, high)?;
        Ok(self.scan(|k| match k {
            ContextoidKind::Ned { .. } => k
                .ecef()
                .is_some_and(|p| in_box(geo::ecef_to_ned(p, reference), low, high)),
            _ => false,
        }))
    }

    /// Oriented contextoids with their position in the box `low <= p <= high`
    /// and, when `orientation` is given, turned at most `max_angle` radians
    /// from it.
    pub fn oriented_region(
        &self,
        low: [f64; 3],
        high: [f64; 3],
        orientation: Option<([f64; 4], f64)>,
    ) -> Result<Vec<NodeId>, ContextError> {
        check_box(low, high)?;
        let turn = match orientation {
            Some((q, max_angle)) => {
                check_finite("orientation", &q)?;
                let q =
                    geo::normalize_quaternion(q).ok_or_else(|| ContextError::InvalidArgument {
                        name: "orientation",
                        message: format!("{q:?} has no direction (zero norm)"),
                    })?;
                if max_angle.is_nan() || max_angle < 0.0 {
                    return Err(ContextError::InvalidArgument {
                        name: "max_angle",
                        message: format!("{max_angle} must be a number >= 0 (radians)"),
                    });
                }
                Some((q, max_angle))
            }
            None => None,
        };
        Ok(
            self.scan(|k| match (k.euclidean_position(), k.orientation()) {
                (Some(p), Some(o)) => {
                    in_box(p, low, high)
                        && turn.is_none_or(|(q, m)| geo::quaternion_angle(q, o) <= m)
                }
                _ => false,
            }),
        )
    }
}

fn check_box(low: [f64; 3], high: [f64; 3]) -> Result<(), ContextError> {
    if low.iter().chain(&high).any(|v| v.is_nan()) {
        return Err(ContextError::InvalidArgument {
            name: "region",
            message: "a bound is NaN".to_owned(),
        });
    }
    Ok(())
}

fn in_box(p: [f64; 3], low: [f64; 3], high: [f64; 3]) -> bool {
    (0..3).all(|k| (low[k]..=high[k]).contains(&p[k]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::Contextoid;

    fn ctx() -> Context {
        let mut c = Context::new(0, "earth");
        c.add(Contextoid::geo("paris", 48.8566, 2.3522, 35.0))
            .unwrap();
        c.add(Contextoid::geo("london", 51.5074, -0.1278, 11.0))
            .unwrap();
        c.add(Contextoid::geo("fiji", -17.7, 179.9, 0.0)).unwrap();
        c.add(Contextoid::geo("samoa", -13.8, -172.1, 0.0)).unwrap();
        c.add(Contextoid::space("box", 1.0, 2.0, 3.0)).unwrap();
        c
    }

    #[test]
    fn geo_distance_is_geodesic_and_mixing_geometries_is_an_error() {
        let c = ctx();
        let d = c.distance(&"paris".into(), &"london".into()).unwrap();
        assert!((d - 343_923.0).abs() < 1_000.0, "{d}");
        assert!(matches!(
            c.distance(&"paris".into(), &"box".into()),
            Err(ContextError::KindMismatch { .. })
        ));
    }

    #[test]
    fn a_box_across_the_antimeridian_holds_both_sides() {
        let c = ctx();
        let ids = c.geo_box(-20.0, 170.0, -10.0, -170.0, None).unwrap();
        assert_eq!(ids, vec![NodeId::from("fiji"), NodeId::from("samoa")]);
        let ids = c.geo_within(51.0, 0.0, 100_000.0).unwrap();
        assert_eq!(ids, vec![NodeId::from("london")]);
    }

    #[test]
    fn zero_quaternion_and_latitude_91_are_refused() {
        let mut c = ctx();
        assert!(matches!(
            c.add(Contextoid::oriented("o", [0.0; 3], [0.0; 4])),
            Err(ContextError::InvalidQuaternion { .. })
        ));
        assert!(matches!(
            c.add(Contextoid::geo("g", 91.0, 0.0, 0.0)),
            Err(ContextError::CoordinateRange { .. })
        ));
        c.add(Contextoid::oriented("o", [0.0; 3], [2.0, 0.0, 0.0, 0.0]))
            .unwrap();
        assert_eq!(
            c.get(&"o".into()).unwrap().kind.orientation(),
            Some([1.0, 0.0, 0.0, 0.0])
        );
    }
}
