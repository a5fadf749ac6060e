"""``pc`` and ``ges``: learn a causal graph (a CPDAG) from a table with the
stable PC algorithm or by greedy equivalence search. Independence tests, the
skeleton search (parallel over pairs), the orientation rules and the score
search run natively; PC's result equals causal-learn's with the same test and
alpha."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from causaloid import _native
from causaloid._table import numeric, to_columns
from causaloid._threads import scope
from causaloid.discover.cpdag import CPDAG
from causaloid.discover.errors import DiscoverValueError
from causaloid.errors import ColumnTypeError

TESTS = ("fisherz", "chisq", "gsq")


def _categories(name: str, values: np.ndarray) -> np.ndarray:
    """Category codes (in sorted order of the distinct values) as floats."""
    if values.dtype.kind in "iufb":
        return np.ascontiguousarray(values, dtype=np.float64)
    try:
        _, codes = np.unique(values, return_inverse=True)
    except TypeError as err:
        raise ColumnTypeError(
            f"column {name!r} mixes values that cannot be ordered (for example None)",
            {"column": name, "dtype": str(values.dtype)},
        ) from err
    return np.ascontiguousarray(codes.reshape(-1), dtype=np.float64)


def _columns(table: Any, columns: Sequence[str] | None) -> dict[str, np.ndarray]:
    """The table's columns by name; a 2-D array's are ``x0, x1, ...`` unless named."""
    if isinstance(table, np.ndarray) and table.ndim == 2:
        labels = [f"x{i}" for i in range(table.shape[1])] if columns is None else list(columns)
        if len(labels) != table.shape[1]:
            raise DiscoverValueError(
                f"{len(labels)} column names for {table.shape[1]} columns",
                {"parameter": "columns"},
            )
        return to_columns({name: table[:, i] for i, name in enumerate(labels)})
    return to_columns(table, None if columns is None else list(columns))


def pc(
    table: Any,
    *,
    alpha: float = 0.05,
    test: str = "fisherz",
    max_depth: int | None = None,
    max_lag: int | None = None,
    columns: Sequence[str] | None = None,
    threads: int | None = None,
) -> CPDAG:
    """Learn a CPDAG with the stable PC algorithm.

    Starting from the complete graph, an edge ``x - y`` is removed when some
    conditioning set ``S`` of neighbours (of size 0, 1, 2, ...) makes ``x`` and
    ``y`` independent at level ``alpha``. Removals are decided per depth on the
    adjacencies the depth began with, so the result does not depend on the
    column order (stable PC), and the tests of a depth run in parallel.
    Unshielded colliders ``x -> y <- z`` are then oriented where ``y`` is in no
    separating set of ``x`` and ``z`` (existing colliders take priority), and
    Meek's rules orient what follows. The result is identical to
    ``causallearn.search.ConstraintBased.PC.pc`` with its defaults
    (``stable=True, uc_rule=0, uc_priority=2``) and ``max_k=max_depth``.

    Parameters
    ----------
    table : mapping of arrays, pandas or polars DataFrame, pyarrow Table, 2-D array
        One column per variable, one row per observation (a 2-D array's
        columns are named ``x0, x1, ...`` unless ``columns`` names them).
    alpha : float
        Significance level in (0, 1): a p-value above it means independence.
    test : {"fisherz", "chisq", "gsq"}
        ``"fisherz"``: Fisher's z on partial correlations (continuous,
        linear-Gaussian data; columns must be numeric). ``"chisq"`` (Pearson)
        or ``"gsq"`` (likelihood ratio) on contingency tables: each distinct
        value is a category, and columns of strings are allowed.
    max_depth : int, optional
        Largest conditioning set tried; no bound by default.
    max_lag : int, optional
        Treat the rows as a time series and learn a time-lagged graph: the
        nodes are each column now and up to ``max_lag`` rows before, named
        ``"x(t)"``, ``"x(t-1)"``, ... Only pairs with a node in the present are
        tested (older pairs repeat them), conditioning sets come from the whole
        window, an edge from the past to the present points forward in time,
        and contemporaneous edges are oriented with that as background
        knowledge.
    columns : sequence of str, optional
        The variables, in this order; every column by default.
    threads : int, optional
        Engine threads for this call only (1 to 4096); the configured count
        (:func:`causaloid.set_threads`) when omitted. Never changes the result.

    Returns
    -------
    CPDAG
        With ``sepsets`` (separating set of every non-adjacent pair) and
        ``tests`` (number of independence tests run).

    Raises
    ------
    ColumnTypeError
        A non-numeric column with ``test="fisherz"``.
    NonFiniteError, ConstantColumnError
        A NaN or infinite value; a column with a single value.
    TooFewSamplesError
        Fewer rows than Fisher's z needs for the conditioning sets
        (``max_depth + 4``).
    SingularDataError
        A column that is an exact linear combination of others (Fisher's z).
    DiscoverValueError
        ``alpha``, ``test`` or ``max_depth`` out of range, fewer than two columns.

    Examples
    --------
    >>> import numpy as np, causaloid as cl
    >>> rng = np.random.default_rng(0)
    >>> a, b = rng.normal(size=(2, 2000))
    >>> c = a + b + rng.normal(size=2000)   # a collider: a -> c <- b
    >>> d = 2 * c + rng.normal(size=2000)   # and c -> d
    >>> g = cl.discover.pc({"a": a, "b": b, "c": c, "d": d}, alpha=0.01)
    >>> g.directed
    (('a', 'c'), ('b', 'c'), ('c', 'd'))
    >>> g.sepsets[("a", "b")]
    ()

    A time series: ``y`` follows ``x`` one step later.

    >>> x = np.zeros(3000)
    >>> for t in range(1, 3000):
    ...     x[t] = 0.8 * x[t - 1] + rng.normal()
    >>> y = np.r_[0.0, 0.7 * x[:-1]] + rng.normal(size=3000)
    >>> cl.discover.pc({"x": x, "y": y}, max_lag=1, alpha=0.01).directed
    (('x(t-1)', 'x(t)'), ('x(t-1)', 'y(t)'))
    """
    if test not in TESTS:
        raise DiscoverValueError(
            f"test must be one of {TESTS}, got {test!r}", {"parameter": "test"}
        )
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not 0 < alpha < 1:
        raise DiscoverValueError(
            f"alpha must lie strictly between 0 and 1, got {alpha!r}", {"parameter": "alpha"}
        )
    if max_depth is not None and (
        isinstance(max_depth, bool) or not isinstance(max_depth, (int, np.integer)) or max_depth < 0
    ):
        raise DiscoverValueError(
            f"max_depth must be an integer >= 0 or None, got {max_depth!r}",
            {"parameter": "max_depth"},
        )
    if max_lag is not None and (
        isinstance(max_lag, bool) or not isinstance(max_lag, (int, np.integer)) or max_lag < 0
    ):
        raise DiscoverValueError(
            f"max_lag must be an integer >= 0 or None, got {max_lag!r}",
            {"parameter": "max_lag"},
        )
    data = _columns(table, columns)
    names = list(data)
    if test == "fisherz":
        arrays = [np.ascontiguousarray(numeric(n, data[n]), dtype=np.float64) for n in names]
    else:
        arrays = [_categories(n, data[n]) for n in names]
    with scope(threads):
        directed, undirected, sepsets, tests, _depth = _native.pc_learn(
            arrays,
            names,
            float(alpha),
            test,
            None if max_depth is None else int(max_depth),
            None if max_lag is None else int(max_lag),
        )
    if max_lag is not None:
        names = [
            f"{n}(t)" if lag == 0 else f"{n}(t-{lag})"
            for lag in range(int(max_lag) + 1)
            for n in names
        ]
    named_sepsets = {(names[a], names[b]): tuple(names[s] for s in sep) for (a, b), sep in sepsets}
    return CPDAG._from_positions(names, directed, undirected, named_sepsets, tests)


def ges(
    table: Any,
    *,
    penalty: float = 1.0,
    max_subset: int = 10,
    columns: Sequence[str] | None = None,
    threads: int | None = None,
) -> CPDAG:
    """Learn a CPDAG by greedy equivalence search (GES) with the BIC score.

    Score-based: starting from the empty graph, the forward phase adds the
    edge (with the neighbours it reorients) that raises the linear-Gaussian BIC
    most, until no insertion helps; the backward phase then removes edges
    while that helps. Every step moves from one equivalence class (CPDAG) to
    another (Chickering 2002). Candidate moves are scored natively and in
    parallel; ties go to the lowest column positions, so the result is
    deterministic.

    Parameters
    ----------
    table : mapping of arrays, pandas or polars DataFrame, pyarrow Table, 2-D array
        Numeric columns, one per variable.
    penalty : float
        Multiplies the BIC penalty ``log(n) / 2`` per parameter; larger values
        give sparser graphs.
    max_subset : int
        Largest set of neighbours one move may reorient (bounds the search on
        dense graphs).
    columns : sequence of str, optional
        The variables, in this order; every column by default.
    threads : int, optional
        Engine threads for this call only (1 to 4096); the configured count
        (:func:`causaloid.set_threads`) when omitted. Never changes the result.

    Returns
    -------
    CPDAG
        With ``score``, the BIC of the learned class.

    Examples
    --------
    >>> import numpy as np, causaloid as cl
    >>> rng = np.random.default_rng(0)
    >>> a, b = rng.normal(size=(2, 3000))
    >>> c = a + b + rng.normal(size=3000)
    >>> cl.discover.ges({"a": a, "b": b, "c": c}).directed
    (('a', 'c'), ('b', 'c'))
    """
    if isinstance(penalty, bool) or not isinstance(penalty, (int, float)) or not penalty > 0:
        raise DiscoverValueError(
            f"penalty must be a positive number, got {penalty!r}", {"parameter": "penalty"}
        )
    if isinstance(max_subset, bool) or not isinstance(max_subset, int) or max_subset < 0:
        raise DiscoverValueError(
            f"max_subset must be an integer >= 0, got {max_subset!r}",
            {"parameter": "max_subset"},
        )
    data = _columns(table, columns)
    names = list(data)
    arrays = [np.ascontiguousarray(numeric(n, data[n]), dtype=np.float64) for n in names]
    with scope(threads):
        directed, undirected, score = _native.ges_learn(arrays, names, float(penalty), max_subset)
    graph = CPDAG._from_positions(names, directed, undirected)
    object.__setattr__(graph, "score", float(score))
    return graph


__all__ = ["ges", "pc"]
