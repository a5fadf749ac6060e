//! A small multiply-rotate hasher for the id index: ids are trusted to be
//! spread well enough, and SipHash would dominate a look-up by id.

use std::hash::{BuildHasherDefault, Hasher};

#[derive(Default, Clone, Copy)]
pub struct IdHasher(u64);

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl IdHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for IdHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(w));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    #[inline]
    fn write_i64(&mut self, i: i64) {
        self.add(i as u64);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        // A final avalanche so that sequential integers spread over buckets.
        let mut x = self.0;
        x ^= x >> 33;
        x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
        x ^= x >> 33;
        x
    }
}

pub type BuildIdHasher = BuildHasherDefault<IdHasher>;
pub type IdMap<K, V> = std::collections::HashMap<K, V, BuildIdHasher>;

use crate::graph::NodeId;

/// The id index: integer ids and string ids in separate maps, so that a look-up
/// by integer id hashes and compares one `i64` in a compact table.
#[derive(Clone, Debug, Default)]
pub struct IdIndex {
    ints: IdMap<i64, u32>,
    strs: IdMap<String, u32>,
}

impl IdIndex {
    #[inline]
    pub fn get(&self, id: &NodeId) -> Option<&u32> {
        match id {
            NodeId::Int(i) => self.ints.get(i),
            NodeId::Str(s) => self.strs.get(s),
        }
    }

    #[inline]
    pub fn get_int(&self, i: i64) -> Option<u32> {
        self.ints.get(&i).copied()
    }

    pub fn contains_key(&self, id: &NodeId) -> bool {
        self.get(id).is_some()
    }

    pub fn insert(&mut self, id: NodeId, slot: u32) {
        match id {
            NodeId::Int(i) => self.ints.insert(i, slot),
            NodeId::Str(s) => self.strs.insert(s, slot),
        };
    }

    pub fn remove(&mut self, id: &NodeId) {
        match id {
            NodeId::Int(i) => self.ints.remove(i),
            NodeId::Str(s) => self.strs.remove(s),
        };
    }

    pub fn reserve(&mut self, n: usize) {
        self.ints.reserve(n);
    }

    pub fn len(&self) -> usize {
        self.ints.len() + self.strs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
