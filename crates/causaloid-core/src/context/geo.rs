//! Geometry of the Earth-fixed and oriented spaces: the WGS84 ellipsoid,
//! geodetic <-> ECEF <-> local NED conversions, geodesic distances on the
//! ellipsoid (Vincenty's inverse formula) and unit quaternions.
//!
//! Angles are degrees at the API, radians inside. Lengths are metres.

/// WGS84 semi-major axis (metres).
pub const WGS84_A: f64 = 6_378_137.0;
/// WGS84 flattening.
pub const WGS84_F: f64 = 1.0 / 298.257_223_563;
/// WGS84 semi-minor axis (metres).
pub const WGS84_B: f64 = WGS84_A * (1.0 - WGS84_F);
/// First eccentricity squared.
pub const WGS84_E2: f64 = WGS84_F * (2.0 - WGS84_F);
/// The IUGG mean radius (2a + b) / 3, used only where Vincenty's iteration
/// does not converge (points within about half a degree of antipodal).
pub const MEAN_RADIUS: f64 = (2.0 * WGS84_A + WGS84_B) / 3.0;

/// Altitudes accepted for a geodetic point (metres): from 6 000 km below the
/// ellipsoid (inside the Earth, where the conversions stay well defined) to a
/// million kilometres above it.
pub const ALT_RANGE: (f64, f64) = (-6.0e6, 1.0e9);

/// Prime-vertical radius of curvature at geodetic latitude `phi` (radians).
fn prime_vertical(phi: f64) -> f64 {
    let s = phi.sin();
    WGS84_A / (1.0 - WGS84_E2 * s * s).sqrt()
}

/// Geodetic (degrees, degrees, metres) to ECEF (metres).
pub fn geodetic_to_ecef(lat: f64, lon: f64, alt: f64) -> [f64; 3] {
    let (phi, lam) = (lat.to_radians(), lon.to_radians());
    let n = prime_vertical(phi);
    let (sp, cp) = phi.sin_cos();
    let (sl, cl) = lam.sin_cos();
    [
        (n + alt) * cp * cl,
        (n + alt) * cp * sl,
        (n * (1.0 - WGS84_E2) + alt) * sp,
    ]
}

/// ECEF (metres) to geodetic (degrees, degrees, metres): a fixed-point
/// iteration on the latitude, with the altitude formula that stays accurate
/// at the poles; converges to well under a micrometre in a few steps.
pub fn ecef_to_geodetic(x: f64, y: f64, z: f64) -> (f64, f64, f64) {
    let p = x.hypot(y);
    let lam = if p == 0.0 { 0.0 } else { y.atan2(x) };
    let mut phi = z.atan2(p * (1.0 - WGS84_E2));
    for _ in 0..50 {
        let n = prime_vertical(phi);
        let (sp, cp) = phi.sin_cos();
        let h = p * cp + z * sp - WGS84_A * WGS84_A / n;
        let next = z.atan2(p * (1.0 - WGS84_E2 * n / (n + h)));
        let done = (next - phi).abs() < 1e-15;
        phi = next;
        if done {
            break;
        }
    }
    let n = prime_vertical(phi);
    let (sp, cp) = phi.sin_cos();
    let h = p * cp + z * sp - WGS84_A * WGS84_A / n;
    (phi.to_degrees(), lam.to_degrees(), h)
}

/// The rotation taking an ECEF difference to local north, east, down at the
/// geodetic point (lat, lon) in degrees; its rows are the N, E, D unit vectors.
fn ned_basis(lat: f64, lon: f64) -> [[f64; 3]; 3] {
    let (sp, cp) = lat.to_radians().sin_cos();
    let (sl, cl) = lon.to_radians().sin_cos();
    [
        [-sp * cl, -sp * sl, cp],
        [-sl, cl, 0.0],
        [-cp * cl, -cp * sl, -sp],
    ]
}

/// ECEF point to local NED coordinates relative to the geodetic `reference`.
pub fn ecef_to_ned(p: [f64; 3], reference: (f64, f64, f64)) -> [f64; 3] {
    let o = geodetic_to_ecef(reference.0, reference.1, reference.2);
    let d = [p[0] - o[0], p[1] - o[1], p[2] - o[2]];
    let r = ned_basis(reference.0, reference.1);
    [dot3(r[0], d), dot3(r[1], d), dot3(r[2], d)]
}

/// Local NED coordinates relative to the geodetic `reference` to ECEF.
pub fn ned_to_ecef(ned: [f64; 3], reference: (f64, f64, f64)) -> [f64; 3] {
    let o = geodetic_to_ecef(reference.0, reference.1, reference.2);
    let r = ned_basis(reference.0, reference.1);
    let mut out = o;
    for (axis, basis) in ned.iter().zip(r) {
        for k in 0..3 {
            out[k] += axis * basis[k];
        }
    }
    out
}

pub fn dot3(a: [f64; 3], b: [f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

pub fn euclidean(a: [f64; 3], b: [f64; 3]) -> f64 {
    let d = [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
    dot3(d, d).sqrt()
}

/// Great-circle distance on the mean-radius sphere (haversine), metres.
pub fn haversine(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * MEAN_RADIUS * h.sqrt().min(1.0).asin()
}

/// Geodesic distance on the WGS84 ellipsoid between two points given in
/// degrees (altitudes play no part), by Vincenty's inverse formula iterated to
/// 1e-12 rad (sub-millimetre). For nearly antipodal points, where the
/// iteration does not converge, the haversine distance on the mean radius is
/// returned (within 0.5 % there).
pub fn geodesic(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    vincenty(lat1, lon1, lat2, lon2).unwrap_or_else(|| haversine(lat1, lon1, lat2, lon2))
}

/// Vincenty's inverse formula; `None` when it does not converge.
pub fn vincenty(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> Option<f64> {
    let (a, b, f) = (WGS84_A, WGS84_B, WGS84_F);
    let l = wrap_degrees(lon2 - lon1).to_radians();
    let u1 = ((1.0 - f) * lat1.to_radians().tan()).atan();
    let u2 = ((1.0 - f) * lat2.to_radians().tan()).atan();
    let (su1, cu1) = u1.sin_cos();
    let (su2, cu2) = u2.sin_cos();
    let mut lambda = l;
    for _ in 0..200 {
        let (sl, cl) = lambda.sin_cos();
        let sin_sigma = ((cu2 * sl).powi(2) + (cu1 * su2 - su1 * cu2 * cl).powi(2)).sqrt();
        if sin_sigma == 0.0 {
            return Some(0.0);
        }
        let cos_sigma = su1 * su2 + cu1 * cu2 * cl;
        let sigma = sin_sigma.atan2(cos_sigma);
        let sin_alpha = cu1 * cu2 * sl / sin_sigma;
        let cos2_alpha = 1.0 - sin_alpha * sin_alpha;
        let cos_2sm = if cos2_alpha.abs() > 1e-300 {
            cos_sigma - 2.0 * su1 * su2 / cos2_alpha
        } else {
            0.0 // an equatorial line
        };
        let c = f / 16.0 * cos2_alpha * (4.0 + f * (4.0 - 3.0 * cos2_alpha));
        let next = l
            + (1.0 - c)
                * f
                * sin_alpha
                * (sigma
                    + c * sin_sigma * (cos_2sm + c * cos_sigma * (-1.0 + 2.0 * cos_2sm * cos_2sm)));
        if !next.is_finite() || next.abs() > std::f64::consts::PI + 1e-9 {
            return None;
        }
        if (next - lambda).abs() < 1e-12 {
            let u2_ = cos2_alpha * (a * a - b * b) / (b * b);
            let big_a =
                1.0 + u2_ / 16384.0 * (4096.0 + u2_ * (-768.0 + u2_ * (320.0 - 175.0 * u2_)));
            let big_b = u2_ / 1024.0 * (256.0 + u2_ * (-128.0 + u2_ * (74.0 - 47.0 * u2_)));
            let delta = big_b
                * sin_sigma
                * (cos_2sm
                    + big_b / 4.0
                        * (cos_sigma * (-1.0 + 2.0 * cos_2sm * cos_2sm)
                            - big_b / 6.0
                                * cos_2sm
                                * (-3.0 + 4.0 * sin_sigma * sin_sigma)
                                * (-3.0 + 4.0 * cos_2sm * cos_2sm)));
            return Some(b * big_a * (sigma - delta));
        }
        lambda = next;
    }
    None
}

/// A longitude difference brought into [-180, 180].
pub fn wrap_degrees(d: f64) -> f64 {
    let w = (d + 180.0).rem_euclid(360.0) - 180.0;
    if w == -180.0 && d > 0.0 {
        180.0
    } else {
        w
    }
}

/// Whether `lon` lies in the longitude band from `west` eastwards to `east`
/// (all in [-180, 180]); `west > east` is a band across the antimeridian.
pub fn lon_in_band(lon: f64, west: f64, east: f64) -> bool {
    if west <= east {
        (west..=east).contains(&lon)
    } else {
        lon >= west || lon <= east
    }
}

/// A quaternion `[w, x, y, z]` scaled to unit length; `None` when its norm is
/// not a positive finite number.
pub fn normalize_quaternion(q: [f64; 4]) -> Option<[f64; 4]> {
    let n2 = q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3];
    let n = n2.sqrt();
    if !n.is_finite() || n < 1e-12 {
        return None;
    }
    // Unit already (to rounding): kept as is, so normalising is idempotent and
    // a stored quaternion round-trips bit for bit.
    if (n2 - 1.0).abs() <= 1e-14 {
        return Some(q);
    }
    Some([q[0] / n, q[1] / n, q[2] / n, q[3] / n])
}

/// The angle (radians, in [0, pi]) of the rotation taking orientation `a` to
/// orientation `b`, both unit quaternions; `q` and `-q` are one orientation.
pub fn quaternion_angle(a: [f64; 4], b: [f64; 4]) -> f64 {
    // With d = a.b = cos(theta / 2): |a - b| / |a + b| = tan(theta / 4), which
    // stays accurate for tiny angles where acos(d) does not.
    let d = a[0] * b[0] + a[1] * b[1] + a[2] * b[2] + a[3] * b[3];
    let s = if d < 0.0 { -1.0 } else { 1.0 };
    let (mut minus, mut plus) = (0.0, 0.0);
    for k in 0..4 {
        minus += (a[k] - s * b[k]).powi(2);
        plus += (a[k] + s * b[k]).powi(2);
    }
    4.0 * minus.sqrt().atan2(plus.sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vincenty_matches_the_flinders_peak_buninyong_line() {
        // Vincenty (1975), Survey Review: the classic test line, 54 972.271 m.
        let dms = |d: f64, m: f64, s: f64| d.signum() * (d.abs() + m / 60.0 + s / 3600.0);
        let s = geodesic(
            dms(-37.0, 57.0, 3.72030),
            dms(144.0, 25.0, 29.52440),
            dms(-37.0, 39.0, 10.15610),
            dms(143.0, 55.0, 35.38390),
        );
        assert!((s - 54_972.271).abs() < 1e-3, "{s}");
    }

    #[test]
    fn quarter_meridian_and_quarter_equator_have_their_known_lengths() {
        // Published WGS84 quarter meridian: 10 001 965.729 m; equator: pi a / 2.
        assert!((geodesic(0.0, 0.0, 90.0, 0.0) - 10_001_965.729).abs() < 1e-3);
        let q = std::f64::consts::FRAC_PI_2 * WGS84_A;
        assert!((geodesic(0.0, 0.0, 0.0, 90.0) - q).abs() < 1e-3);
    }

    #[test]
    fn nearly_antipodal_points_fall_back_to_the_sphere() {
        let s = geodesic(0.0, 0.0, 0.5, 179.7);
        assert!(s.is_finite() && (s - 20_000_000.0).abs() < 100_000.0, "{s}");
    }

    #[test]
    fn ecef_round_trips_to_a_micrometre() {
        for &(lat, lon, alt) in &[
            (0.0, 0.0, 0.0),
            (89.999_999, 12.0, 100.0),
            (-90.0, 0.0, -50.0),
            (45.0, -179.9, 35_786_000.0),
            (-33.86, 151.21, 58.0),
        ] {
            let p = geodetic_to_ecef(lat, lon, alt);
            let (la, lo, h) = ecef_to_geodetic(p[0], p[1], p[2]);
            let q = geodetic_to_ecef(la, lo, h);
            assert!(euclidean(p, q) < 1e-6, "{lat} {lon} {alt}");
            assert!((h - alt).abs() < 1e-6);
        }
    }

    #[test]
    fn ned_of_a_point_above_the_reference_is_straight_up() {
        let r = (48.0, 11.0, 500.0);
        let above = geodetic_to_ecef(48.0, 11.0, 600.0);
        let ned = ecef_to_ned(above, r);
        assert!(ned[0].abs() < 1e-6 && ned[1].abs() < 1e-6 && (ned[2] + 100.0).abs() < 1e-6);
        let back = ned_to_ecef(ned, r);
        assert!(euclidean(back, above) < 1e-6);
    }

    #[test]
    fn quaternion_angle_of_a_quarter_turn() {
        let a = [1.0, 0.0, 0.0, 0.0];
        let h = std::f64::consts::FRAC_PI_4;
        let b = [h.cos(), 0.0, 0.0, h.sin()];
        assert!((quaternion_angle(a, b) - std::f64::consts::FRAC_PI_2).abs() < 1e-12);
        let neg = [-b[0], -b[1], -b[2], -b[3]];
        assert!((quaternion_angle(a, neg) - std::f64::consts::FRAC_PI_2).abs() < 1e-12);
        assert!(normalize_quaternion([0.0; 4]).is_none());
    }

    #[test]
    fn longitude_bands_cross_the_antimeridian() {
        assert!(lon_in_band(179.5, 170.0, -170.0));
        assert!(lon_in_band(-179.5, 170.0, -170.0));
        assert!(!lon_in_band(0.0, 170.0, -170.0));
        assert!(lon_in_band(0.0, -10.0, 10.0));
        assert_eq!(wrap_degrees(350.0), -10.0);
        assert_eq!(wrap_degrees(180.0), 180.0);
    }
}
