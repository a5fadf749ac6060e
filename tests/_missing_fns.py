"""Python causal functions importable by name, so graphs holding them pickle
into a fresh process (tests/test_missing_values.py)."""

from __future__ import annotations

from typing import Any

import numpy as np


def root(value: Any) -> Any:
    """The square root of the incoming value: NaN below zero (one value or an array)."""
    with np.errstate(invalid="ignore"):
        return np.sqrt(value)
