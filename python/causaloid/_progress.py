"""Progress bars for long work: tqdm when it is installed and the output is a
terminal (or ``progress=True`` forces it), otherwise nothing. Asking for a bar
without tqdm warns once, naming the extra that installs it."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")


def progress(
    items: Iterable[T], *, total: int | None = None, desc: str = "", enabled: bool | None = None
) -> Iterator[T]:
    """Iterate over ``items``, showing a progress bar when asked or interactive.

    Parameters
    ----------
    items : iterable
        What to iterate over.
    total : int, optional
        Number of items, when ``items`` has no ``len``.
    desc : str
        Label of the bar.
    enabled : bool, optional
        ``True`` forces a bar (a warning names ``causaloid[progress]`` when
        tqdm is missing), ``False`` hides it; ``None`` shows one only when
        standard error is a terminal and tqdm is installed.

    Examples
    --------
    >>> list(progress(range(3), enabled=False))
    [0, 1, 2]
    """
    tqdm = _tqdm(enabled)
    if tqdm is not None:
        bar: Any = tqdm(items, total=total, desc=desc, leave=False)
        yield from bar
        return
    yield from items


def _tqdm(enabled: bool | None) -> Any:
    """tqdm's bar class when a bar should show, else None (warning once when
    a bar was asked for and tqdm is missing)."""
    show = sys.stderr.isatty() if enabled is None else enabled
    if not show:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        if enabled:
            import warnings

            from causaloid._optional import install_hint

            warnings.warn(
                f"progress bars need tqdm, which is not installed: {install_hint('tqdm')}",
                stacklevel=3,
            )
        return None
    return tqdm


@contextmanager
def ticker(
    desc: str, *, total: int | None = None, enabled: bool | None = None, unit: str = "it"
) -> Iterator[Callable[[], None] | None]:
    """A progress bar advanced by hand: yields a function that moves it one
    step (None when no bar shows), closed when the block ends.

    Examples
    --------
    >>> with ticker("work", enabled=False) as tick:
    ...     tick is None
    True
    """
    tqdm = _tqdm(enabled)
    if tqdm is None:
        yield None
        return
    bar: Any = tqdm(total=total, desc=desc, leave=False, unit=unit)
    try:
        yield lambda: bar.update(1)
    finally:
        bar.close()
