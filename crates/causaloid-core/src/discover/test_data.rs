//! Reproducible random data for the discovery unit tests, without a
//! dependency: a 64-bit LCG and Box-Muller normals on it.

/// A uniform number in (0, 1), advancing `seed`.
pub(crate) fn lcg(seed: &mut u64) -> f64 {
    *seed = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    ((*seed >> 11) as f64 + 0.5) / (1u64 << 53) as f64
}

/// A standard normal number, advancing `seed` twice.
pub(crate) fn normal(seed: &mut u64) -> f64 {
    let (u, v) = (lcg(seed), lcg(seed));
    (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
}
