"""Seeds: every ``seed=`` parameter accepts ``None``, an int in [0, 2**64) or a
NumPy ``Generator``, normalised here by :func:`as_seed`.

A ``Generator`` is used the way NumPy users expect: each call draws the next
seed from it, so a generator passed twice gives two different (and, for a
seeded generator, reproducible) streams.
"""

from __future__ import annotations

import numbers

import numpy as np

from causaloid.errors import InvalidArgumentError

#: What a ``seed=`` parameter accepts.
Seed = int | np.random.Generator | None


def as_seed(seed: Seed, parameter: str = "seed") -> int | None:
    """The engine's seed (``None`` or an int in [0, 2**64)) for ``seed``.

    Parameters
    ----------
    seed : None, int or numpy.random.Generator
        ``None`` for fresh entropy, an int for a fixed stream, or a generator
        from which the next seed is drawn.
    parameter : str
        The parameter's name, for the error message.

    Raises
    ------
    InvalidArgumentError
        For anything else (``err.parameter``, ``err.value``).

    Examples
    --------
    >>> import numpy as np
    >>> as_seed(7), as_seed(None)
    (7, None)
    >>> a = as_seed(np.random.default_rng(1)); b = as_seed(np.random.default_rng(1))
    >>> a == b and 0 <= a < 2**64
    True
    >>> as_seed(-1)
    Traceback (most recent call last):
    ...
    causaloid.errors.InvalidArgumentError: seed must be None, an int in [0, 2**64) or a \
numpy.random.Generator, got -1
    """
    if seed is None:
        return None
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(0, 2**64, dtype=np.uint64))
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or not 0 <= seed < 2**64:
        raise InvalidArgumentError(
            f"{parameter} must be None, an int in [0, 2**64) or a numpy.random.Generator, "
            f"got {seed!r}",
            {"parameter": parameter, "value": repr(seed)},
        )
    return int(seed)


__all__ = ["Seed", "as_seed"]
