"""The ``missing=`` argument of discovery, as the engine reads it.

The engine decides what ``"raise"`` and ``"drop"`` mean (and refuses any
other name, naming the ``missing`` parameter); this only turns a value that
is not even a string into the same clean error before it reaches the
bindings.
"""

from __future__ import annotations

from typing import Literal, cast

from causaloid.discover.errors import DiscoverValueError

MissingRows = Literal["raise", "drop"]


def missing_name(missing: object) -> MissingRows:
    """``missing`` as the string the engine parses (which refuses any name
    but ``"raise"`` and ``"drop"``)."""
    if not isinstance(missing, str):
        raise DiscoverValueError(
            f'missing must be "raise" or "drop", got {missing!r}', {"parameter": "missing"}
        )
    return cast(MissingRows, missing)
