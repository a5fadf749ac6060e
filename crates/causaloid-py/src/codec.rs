//! The engine's binary forms for Python: pickling support. The engine owns the
//! formats; this file only maps a decoding failure to `SerializationError`.

use causaloid_core::codec::CodecError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::errors::raise;

/// `causaloid.errors.SerializationError` naming what was wrong with the bytes.
pub fn codec_error(py: Python<'_>, err: &CodecError) -> PyErr {
    let detail = PyDict::new(py);
    let _ = detail.set_item("format", "binary");
    raise(py, "SerializationError", err.to_string(), detail)
}
