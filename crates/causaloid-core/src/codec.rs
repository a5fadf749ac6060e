//! The engine's compact binary forms: little-endian, length-prefixed, each
//! document opening with a four-byte magic and a version. The engine owns
//! every format; bindings only pass the bytes (pickling, shipping to workers).
//!
//! Decoding never trusts a length it reads: every count is checked against the
//! bytes that remain before anything is allocated, so a truncated or corrupt
//! document is a [`CodecError`], never a panic or a huge allocation.

use crate::diagnostic::{Area, Detail, DetailSink, Diagnostic};
use crate::graph::NodeId;
use std::fmt;

/// Why a binary document could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CodecError {
    /// The document does not start with the expected magic.
    WrongMagic { expected: [u8; 4] },
    /// A version this engine cannot read.
    UnsupportedVersion { found: u16, supported: u16 },
    /// The document ended early.
    Truncated { what: &'static str },
    /// A value that cannot be what the format says.
    Invalid { what: &'static str, detail: String },
    /// Bytes left over after the document.
    TrailingBytes { count: usize },
}

impl Diagnostic for CodecError {
    fn area(&self) -> Area {
        Area::Core
    }

    fn kind(&self) -> &'static str {
        "SerializationError"
    }

    fn detail(&self, out: &mut DetailSink<'_>) {
        out("format", Detail::Text("binary"));
    }
}

impl fmt::Display for CodecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CodecError::WrongMagic { expected } => write!(
                f,
                "not a causaloid binary document of this kind (expected magic {:?})",
                String::from_utf8_lossy(expected)
            ),
            CodecError::UnsupportedVersion { found, supported } => write!(
                f,
                "binary format version {found} is not supported (this engine reads version {supported})"
            ),
            CodecError::Truncated { what } => write!(f, "binary document truncated while reading {what}"),
            CodecError::Invalid { what, detail } => write!(f, "invalid {what} in binary document: {detail}"),
            CodecError::TrailingBytes { count } => {
                write!(f, "{count} unexpected bytes after the end of the binary document")
            }
        }
    }
}

impl std::error::Error for CodecError {}

/// Appends little-endian values to a byte buffer.
#[derive(Default)]
pub struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    /// A document with this magic and version.
    pub fn new(magic: [u8; 4], version: u16) -> Writer {
        let mut w = Writer { buf: Vec::new() };
        w.buf.extend_from_slice(&magic);
        w.u16(version);
        w
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }

    pub fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }

    pub fn bool(&mut self, v: bool) {
        self.buf.push(u8::from(v));
    }

    pub fn u16(&mut self, v: u16) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    pub fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    pub fn u64(&mut self, v: u64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    pub fn i64(&mut self, v: i64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    pub fn f64(&mut self, v: f64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    pub fn len(&mut self, n: usize) {
        self.u64(n as u64);
    }

    pub fn str(&mut self, s: &str) {
        self.len(s.len());
        self.buf.extend_from_slice(s.as_bytes());
    }

    pub fn opt_str(&mut self, s: Option<&str>) {
        match s {
            Some(s) => {
                self.u8(1);
                self.str(s);
            }
            None => self.u8(0),
        }
    }

    /// A column of f64, bit-exact (NaN payloads kept).
    pub fn f64s(&mut self, v: &[f64]) {
        self.len(v.len());
        self.buf.reserve(v.len() * 8);
        for x in v {
            self.buf.extend_from_slice(&x.to_le_bytes());
        }
    }

    pub fn i64s(&mut self, v: &[i64]) {
        self.len(v.len());
        self.buf.reserve(v.len() * 8);
        for x in v {
            self.buf.extend_from_slice(&x.to_le_bytes());
        }
    }

    pub fn u32s(&mut self, v: &[u32]) {
        self.len(v.len());
        self.buf.reserve(v.len() * 4);
        for x in v {
            self.buf.extend_from_slice(&x.to_le_bytes());
        }
    }

    pub fn bytes(&mut self, v: &[u8]) {
        self.len(v.len());
        self.buf.extend_from_slice(v);
    }

    /// A node id: tag 0 + i64, or tag 1 + string.
    pub fn node_id(&mut self, id: &NodeId) {
        match id {
            NodeId::Int(i) => {
                self.u8(0);
                self.i64(*i);
            }
            NodeId::Str(s) => {
                self.u8(1);
                self.str(s);
            }
        }
    }

    /// A column of ids: all integers as one i64 column (tag 0), else each id tagged (tag 1).
    pub fn node_ids(&mut self, ids: &[NodeId]) {
        let ints: Option<Vec<i64>> = ids
            .iter()
            .map(|i| match i {
                NodeId::Int(v) => Some(*v),
                NodeId::Str(_) => None,
            })
            .collect();
        match ints {
            Some(v) => {
                self.u8(0);
                self.i64s(&v);
            }
            None => {
                self.u8(1);
                self.len(ids.len());
                for id in ids {
                    self.node_id(id);
                }
            }
        }
    }
}

/// Reads what a [`Writer`] wrote, checking every length against what remains.
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// Opens a document, checking its magic and version (at most `version`);
    /// returns the reader and the document's version.
    pub fn open(
        buf: &'a [u8],
        magic: [u8; 4],
        version: u16,
    ) -> Result<(Reader<'a>, u16), CodecError> {
        if buf.len() < 4 || buf[..4] != magic {
            return Err(CodecError::WrongMagic { expected: magic });
        }
        let mut r = Reader { buf, pos: 4 };
        let found = r.u16("version")?;
        if found == 0 || found > version {
            return Err(CodecError::UnsupportedVersion {
                found,
                supported: version,
            });
        }
        Ok((r, found))
    }

    /// Fails unless every byte was read.
    pub fn finish(self) -> Result<(), CodecError> {
        let rest = self.buf.len() - self.pos;
        if rest == 0 {
            Ok(())
        } else {
            Err(CodecError::TrailingBytes { count: rest })
        }
    }

    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], CodecError> {
        let end = self
            .pos
            .checked_add(n)
            .ok_or(CodecError::Truncated { what })?;
        let s = self
            .buf
            .get(self.pos..end)
            .ok_or(CodecError::Truncated { what })?;
        self.pos = end;
        Ok(s)
    }

    fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], CodecError> {
        let s = self.take(N, what)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    pub fn u8(&mut self, what: &'static str) -> Result<u8, CodecError> {
        Ok(self.array::<1>(what)?[0])
    }

    pub fn bool(&mut self, what: &'static str) -> Result<bool, CodecError> {
        match self.u8(what)? {
            0 => Ok(false),
            1 => Ok(true),
            b => Err(CodecError::Invalid {
                what,
                detail: format!("{b} is not a boolean"),
            }),
        }
    }

    pub fn u16(&mut self, what: &'static str) -> Result<u16, CodecError> {
        Ok(u16::from_le_bytes(self.array(what)?))
    }

    pub fn u32(&mut self, what: &'static str) -> Result<u32, CodecError> {
        Ok(u32::from_le_bytes(self.array(what)?))
    }

    pub fn u64(&mut self, what: &'static str) -> Result<u64, CodecError> {
        Ok(u64::from_le_bytes(self.array(what)?))
    }

    pub fn i64(&mut self, what: &'static str) -> Result<i64, CodecError> {
        Ok(i64::from_le_bytes(self.array(what)?))
    }

    pub fn f64(&mut self, what: &'static str) -> Result<f64, CodecError> {
        Ok(f64::from_le_bytes(self.array(what)?))
    }

    /// A count of items each at least `item_size` bytes, checked against the
    /// bytes that remain (so a corrupt count never allocates).
    pub fn len(&mut self, item_size: usize, what: &'static str) -> Result<usize, CodecError> {
        let n = self.u64(what)?;
        let rest = (self.buf.len() - self.pos) as u64;
        if n.saturating_mul(item_size.max(1) as u64) > rest {
            return Err(CodecError::Truncated { what });
        }
        usize::try_from(n).map_err(|_| CodecError::Truncated { what })
    }

    pub fn str(&mut self, what: &'static str) -> Result<String, CodecError> {
        let n = self.len(1, what)?;
        let s = self.take(n, what)?;
        String::from_utf8(s.to_vec()).map_err(|e| CodecError::Invalid {
            what,
            detail: e.to_string(),
        })
    }

    pub fn opt_str(&mut self, what: &'static str) -> Result<Option<String>, CodecError> {
        if self.bool(what)? {
            Ok(Some(self.str(what)?))
        } else {
            Ok(None)
        }
    }

    pub fn f64s(&mut self, what: &'static str) -> Result<Vec<f64>, CodecError> {
        let n = self.len(8, what)?;
        let s = self.take(n * 8, what)?;
        Ok(s.chunks_exact(8)
            .map(|c| f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
            .collect())
    }

    pub fn i64s(&mut self, what: &'static str) -> Result<Vec<i64>, CodecError> {
        let n = self.len(8, what)?;
        let s = self.take(n * 8, what)?;
        Ok(s.chunks_exact(8)
            .map(|c| i64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
            .collect())
    }

    pub fn u32s(&mut self, what: &'static str) -> Result<Vec<u32>, CodecError> {
        let n = self.len(4, what)?;
        let s = self.take(n * 4, what)?;
        Ok(s.chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect())
    }

    pub fn bytes(&mut self, what: &'static str) -> Result<&'a [u8], CodecError> {
        let n = self.len(1, what)?;
        self.take(n, what)
    }

    pub fn node_id(&mut self, what: &'static str) -> Result<NodeId, CodecError> {
        match self.u8(what)? {
            0 => Ok(NodeId::Int(self.i64(what)?)),
            1 => Ok(NodeId::Str(self.str(what)?)),
            t => Err(CodecError::Invalid {
                what,
                detail: format!("id tag {t}"),
            }),
        }
    }

    pub fn node_ids(&mut self, what: &'static str) -> Result<Vec<NodeId>, CodecError> {
        match self.u8(what)? {
            0 => Ok(self.i64s(what)?.into_iter().map(NodeId::Int).collect()),
            1 => {
                let n = self.len(2, what)?;
                (0..n).map(|_| self.node_id(what)).collect()
            }
            t => Err(CodecError::Invalid {
                what,
                detail: format!("id column tag {t}"),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_bit_exact() {
        let mut w = Writer::new(*b"TEST", 1);
        w.f64s(&[1.5, f64::NAN, f64::INFINITY, -0.0]);
        w.node_ids(&[NodeId::Int(3), NodeId::Str("a".into())]);
        w.opt_str(Some("x"));
        let bytes = w.into_bytes();
        let (mut r, v) = Reader::open(&bytes, *b"TEST", 1).unwrap();
        assert_eq!(v, 1);
        let f = r.f64s("f").unwrap();
        assert_eq!(f[0], 1.5);
        assert!(f[1].is_nan());
        assert_eq!(f[3].to_bits(), (-0.0f64).to_bits());
        assert_eq!(
            r.node_ids("ids").unwrap(),
            vec![NodeId::Int(3), NodeId::Str("a".into())]
        );
        assert_eq!(r.opt_str("s").unwrap().as_deref(), Some("x"));
        r.finish().unwrap();
    }

    #[test]
    fn a_corrupt_length_is_an_error_not_an_allocation() {
        let mut w = Writer::new(*b"TEST", 1);
        w.u64(u64::MAX);
        let bytes = w.into_bytes();
        let (mut r, _) = Reader::open(&bytes, *b"TEST", 1).unwrap();
        assert!(matches!(r.f64s("col"), Err(CodecError::Truncated { .. })));
    }

    #[test]
    fn wrong_magic_and_future_versions_are_refused() {
        let bytes = Writer::new(*b"TEST", 2).into_bytes();
        assert!(matches!(
            Reader::open(&bytes, *b"OTHR", 1),
            Err(CodecError::WrongMagic { .. })
        ));
        assert!(matches!(
            Reader::open(&bytes, *b"TEST", 1),
            Err(CodecError::UnsupportedVersion { found: 2, .. })
        ));
        assert!(Reader::open(&[], *b"TEST", 1).is_err());
    }
}
