"""Progress bars for long work: tqdm when it is installed and the output is a
terminal (or ``progress=True`` forces it), otherwise nothing. Asking for a bar
without tqdm warns once, naming the extra that installs it."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
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
    show = sys.stderr.isatty() if enabled is None else enabled
    if show:
        try:
            from tqdm.auto import tqdm
        except ImportError:
            if enabled:
                import warnings

                from causaloid._optional import install_hint

                warnings.warn(
                    f"progress bars need tqdm, which is not installed: {install_hint('tqdm')}",
                    stacklevel=2,
                )
            show = False
        else:
            bar: Any = tqdm(items, total=total, desc=desc, leave=False)
            yield from bar
            return
    yield from items
