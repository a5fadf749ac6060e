"""``threads=`` on heavy calls: one call's engine threads, scoped.

:func:`scope` makes every engine call made from the current Python thread
inside it use exactly ``n`` threads (a pool kept in the engine, reused by the
next calls asking for the same count), without changing what
:func:`causaloid.set_threads` set for the other calls. Scopes nest (the inner
one wins) and end with the ``with`` block, also on an exception.

>>> import causaloid as cl
>>> from causaloid._threads import scope
>>> with scope(1):
...     cl.get_threads()
1
>>> with scope(None):  # no count: the call runs as configured
...     cl.get_threads() == cl.get_threads()
True
"""

from __future__ import annotations

import numbers
from collections.abc import Iterator
from contextlib import contextmanager

from causaloid import _native
from causaloid.errors import InvalidArgumentError

__all__ = ["check", "scope"]


def check(threads: object) -> int | None:
    """``threads`` as a count (None stays None); anything else than a whole
    number from 1 to 4096 raises :class:`~causaloid.errors.InvalidArgumentError`.

    >>> from causaloid._threads import check
    >>> check(2), check(None)
    (2, None)
    """
    if threads is None:
        return None
    if isinstance(threads, bool) or not isinstance(threads, numbers.Integral):
        raise InvalidArgumentError(
            f"threads must be a whole number or None; got {threads!r}",
            {"threads": repr(threads)},
        )
    if not 1 <= int(threads) <= 4096:
        raise InvalidArgumentError(
            f"threads must be between 1 and 4096; got {int(threads)}", {"threads": int(threads)}
        )
    return int(threads)


@contextmanager
def scope(threads: int | None) -> Iterator[None]:
    """Engine calls from this thread inside the block use ``threads`` threads."""
    n = check(threads)
    if n is None:
        yield
        return
    previous = _native.enter_threads_scope(n)
    try:
        yield
    finally:
        _native.enter_threads_scope(previous)
