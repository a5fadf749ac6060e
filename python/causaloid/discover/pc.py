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
from causaloid.discover._missing import MissingRows, missing_name
from causaloid.discover.cpdag import CPDAG
from causaloid.discover.errors import DiscoverValueError
from causaloid.errors import ColumnTypeError

TESTS = ("fisherz", "chisq", "gsq")


def _categories(name: str, values: np.ndarray) -> np.ndarray:
    """Category codes (in sorted order of the distinct values) as floats."""
    if values.dtype.kind in "iufb":
        return np.ascontiguousarray(values, dtype=np.float64)
    cells = values.reshape(-1)
    absent = np.fromiter(
        (v is None or (isinstance(v, float) and v != v) for v in cells.tolist()),
        dtype=bool,
        count=cells.shape[0],
    )
    if absent.any():
        # A missing cell is missing (the engine decides: raise or drop), not a category.
        out = np.full(cells.shape[0], np.nan)
        out[~absent] = _categories(name, cells[~absent])
        return out
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
    missing: MissingRows = "raise",
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

    missing : {"raise", "drop"}
        A missing value (NaN, None, a null) in a column used: ``"raise"`` a
        :class:`~causaloid.discover.errors.MissingValueError` naming its
        column and row, or ``"drop"`` it. Without ``max_lag`` every row holding
        one is left out (listwise, in the engine). With ``max_lag`` a sample
        is a window of ``max_lag + 1`` consecutive rows: every window that
        reads a missing cell is left out and the others keep their true time
        offsets (closing the gap would pair rows that were never that far
        apart), so the counts are of windows; ``rows_used`` /
        ``rows_dropped`` of the result count them.

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
    missing = missing_name(missing)
    data = _columns(table, columns)
    names = list(data)
    if test == "fisherz":
        arrays = [np.ascontiguousarray(numeric(n, data[n]), dtype=np.float64) for n in names]
    else:
        arrays = [_categories(n, data[n]) for n in names]
    with scope(threads):
        directed, undirected, sepsets, tests, _depth, rows = _native.pc_learn(
            arrays,
            names,
            float(alpha),
            test,
            None if max_depth is None else int(max_depth),
            None if max_lag is None else int(max_lag),
            missing,
        )
    if max_lag is not None:
        names = [
            f"{n}(t)" if lag == 0 else f"{n}(t-{lag})"
            for lag in range(int(max_lag) + 1)
            for n in names
        ]
    named_sepsets = {(names[a], names[b]): tuple(names[s] for s in sep) for (a, b), sep in sepsets}
    return _counted(CPDAG._from_positions(names, directed, undirected, named_sepsets, tests), rows)


def ges(
    table: Any,
    *,
    score: str = "bic",
    penalty: float = 1.0,
    max_subset: int = 10,
    sample_prior: float = 1.0,
    structure_prior: float = 1.0,
    columns: Sequence[str] | None = None,
    threads: int | None = None,
    missing: MissingRows = "raise",
) -> CPDAG:
    """Learn a CPDAG by greedy equivalence search (GES) with the BIC or BDeu score.

    Score-based: starting from the empty graph, the forward phase adds the
    edge (with the neighbours it reorients) that raises the score most, until
    no insertion helps; the backward phase then removes edges while that
    helps. Every step moves from one equivalence class (CPDAG) to another
    (Chickering 2002). Candidate moves are scored natively and in parallel;
    ties go to the lowest column positions, so the result is deterministic.
    The result equals causal-learn's ``ges`` with the same score
    (``local_score_BIC`` for ``"bic"`` with ``penalty=1``).

    Parameters
    ----------
    table : mapping of arrays, pandas or polars DataFrame, pyarrow Table, 2-D array
        One column per variable: numeric for ``"bic"``; for ``"bdeu"`` each
        distinct value (number or string) is a category.
    score : {"bic", "bdeu"}
        ``"bic"``: linear-Gaussian BIC (continuous data). ``"bdeu"``: the
        Bayesian Dirichlet score of categorical data (equivalent sample size
        ``sample_prior``, each other variable a parent with probability
        ``structure_prior / (columns - 1)``, at most 1/2).
    penalty : float
        ``"bic"``: multiplies the penalty ``log(n) / 2`` per parameter; larger
        values give sparser graphs.
    sample_prior, structure_prior : float
        ``"bdeu"`` priors (positive).
    max_subset : int
        Largest set of neighbours one move may reorient (bounds the search on
        dense graphs).
    columns : sequence of str, optional
        The variables, in this order; every column by default.
    threads : int, optional
        Engine threads for this call only (1 to 4096); the configured count
        (:func:`causaloid.set_threads`) when omitted. Never changes the result.

    missing : {"raise", "drop"}
        A missing value (NaN, None, a null) in a column used: ``"raise"`` a
        :class:`~causaloid.discover.errors.MissingValueError` naming its
        column and row, or ``"drop"`` every row holding one (listwise, in the
        engine); ``rows_used`` / ``rows_dropped`` of the result count them.

    Returns
    -------
    CPDAG
        With ``score``, the score of the learned class.

    Examples
    --------
    >>> import numpy as np, causaloid as cl
    >>> rng = np.random.default_rng(0)
    >>> a, b = rng.normal(size=(2, 3000))
    >>> c = a + b + rng.normal(size=3000)
    >>> cl.discover.ges({"a": a, "b": b, "c": c}).directed
    (('a', 'c'), ('b', 'c'))

    Categorical data: ``wet`` is ``rain OR sprinkler``, mostly.

    >>> rain, sprinkler = rng.integers(0, 2, size=(2, 5000))
    >>> wet = np.where(rng.random(5000) < 0.9, rain | sprinkler, 1 - (rain | sprinkler))
    >>> table = {"rain": rain, "sprinkler": sprinkler, "wet": wet}
    >>> cl.discover.ges(table, score="bdeu").directed
    (('rain', 'wet'), ('sprinkler', 'wet'))
    """
    missing = missing_name(missing)
    names, arrays = _score_arrays(
        table, columns, score, penalty, max_subset, sample_prior, structure_prior
    )
    with scope(threads):
        directed, undirected, value, rows = _native.ges_learn(
            arrays,
            names,
            float(penalty),
            max_subset,
            score,
            float(sample_prior),
            float(structure_prior),
            missing,
        )
    graph = _counted(CPDAG._from_positions(names, directed, undirected), rows)
    object.__setattr__(graph, "score", float(value))
    return graph


def _score_arrays(
    table: Any,
    columns: Sequence[str] | None,
    score: str,
    penalty: float,
    max_subset: int,
    sample_prior: float,
    structure_prior: float,
) -> tuple[list[str], list[np.ndarray]]:
    """Checks the settings shared by GES and BOSS; the columns as the score reads them."""
    if score not in ("bic", "bdeu"):
        raise DiscoverValueError(
            f"score must be 'bic' or 'bdeu', got {score!r}", {"parameter": "score"}
        )
    for label, prior in (("sample_prior", sample_prior), ("structure_prior", structure_prior)):
        if isinstance(prior, bool) or not isinstance(prior, (int, float)) or not prior > 0:
            raise DiscoverValueError(
                f"{label} must be a positive number, got {prior!r}", {"parameter": label}
            )
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
    if score == "bic":
        return names, [np.ascontiguousarray(numeric(n, data[n]), dtype=np.float64) for n in names]
    return names, [_categories(n, data[n]) for n in names]


def boss(
    table: Any,
    *,
    score: str = "bic",
    penalty: float = 1.0,
    max_subset: int = 10,
    sample_prior: float = 1.0,
    structure_prior: float = 1.0,
    columns: Sequence[str] | None = None,
    missing: MissingRows = "raise",
) -> CPDAG:
    """Learn a CPDAG by best order score search (BOSS), then backward equivalence search.

    A search over variable orders (Andrews et al. 2023): for a given order
    each variable takes its parents among its predecessors by grow-shrink
    (add the predecessor that raises its local score most while one does,
    then drop parents while that helps), and the order scores the sum. Each
    pass moves every variable, in turn, to the position that maximises that
    score; passes repeat until none helps. The DAG of the best order becomes
    its CPDAG, which GES's backward phase then prunes. The grow-shrinks of
    one move run natively and in parallel; variables are visited in column
    order and ties keep the current position, so the result is deterministic
    (causal-learn's ``boss`` shuffles the visiting order at random and stops
    before the backward phase, so results are compared by SHD, not equality).

    Parameters
    ----------
    table : mapping of arrays, pandas or polars DataFrame, pyarrow Table, 2-D array
        As :func:`ges`.
    score, penalty, sample_prior, structure_prior
        The score, as :func:`ges` (``"bic"`` or ``"bdeu"``).
    max_subset : int
        Largest neighbour set a backward move may reorient.
    columns : sequence of str, optional
        The variables, in this order; every column by default.

    missing : {"raise", "drop"}
        A missing value (NaN, None, a null) in a column used: ``"raise"`` a
        :class:`~causaloid.discover.errors.MissingValueError` naming its
        column and row, or ``"drop"`` every row holding one (listwise, in the
        engine); ``rows_used`` / ``rows_dropped`` of the result count them.

    Returns
    -------
    CPDAG
        With ``score``, the score of the learned class, and ``order``, the
        best variable order found.

    Examples
    --------
    >>> import numpy as np, causaloid as cl
    >>> rng = np.random.default_rng(0)
    >>> a, b = rng.normal(size=(2, 3000))
    >>> c = a - b + rng.normal(size=3000)
    >>> d = 2 * c + rng.normal(size=3000)
    >>> cl.discover.boss({"d": d, "c": c, "b": b, "a": a}).directed
    (('c', 'd'), ('b', 'c'), ('a', 'c'))
    """
    missing = missing_name(missing)
    names, arrays = _score_arrays(
        table, columns, score, penalty, max_subset, sample_prior, structure_prior
    )
    directed, undirected, value, order, rows = _native.boss_learn(
        arrays,
        names,
        float(penalty),
        max_subset,
        score,
        float(sample_prior),
        float(structure_prior),
        missing,
    )
    graph = _counted(CPDAG._from_positions(names, directed, undirected), rows)
    object.__setattr__(graph, "score", float(value))
    object.__setattr__(graph, "order", tuple(names[i] for i in order))
    return graph


def _counted(graph: CPDAG, rows: tuple[int, int]) -> CPDAG:
    """``graph`` with the rows (samples) it was learned from and those dropped."""
    object.__setattr__(graph, "rows_used", int(rows[0]))
    object.__setattr__(graph, "rows_dropped", int(rows[1]))
    return graph


def _lagged_name(name: str, lag: int) -> str:
    return f"{name}(t)" if lag == 0 else f"{name}(t-{lag})"


def pcmci(
    table: Any,
    *,
    max_lag: int = 1,
    alpha: float = 0.05,
    pc_alpha: float = 0.2,
    test: str = "fisherz",
    max_conds: int | None = None,
    contemporaneous: bool = True,
    columns: Sequence[str] | None = None,
    missing: MissingRows = "raise",
) -> CPDAG:
    """Learn lagged causal links of a time series with PCMCI.

    On autocorrelated series, plain lagged PC (``pc(table, max_lag=...)``)
    drops true links whenever some conditioning set happens to pass the test,
    and its error rates are hard to control. PCMCI (Runge et al. 2019) runs in
    two stages:

    1. **PC1**: for each variable ``y(t)``, a PC-style selection over its
       lagged candidates ``x(t-τ)`` (τ = 1..``max_lag``) at level
       ``pc_alpha``, each tested given the strongest other candidates, keeps
       a small superset of its lagged parents.
    2. **MCI**: each link ``x(t-τ) -> y(t)`` is tested once given the parents
       of ``y(t)`` *and* the parents of ``x(t-τ)`` (momentary conditional
       independence); it is kept when its p-value is at most ``alpha``.

    Both stages run natively and in parallel (over variables, then links);
    every test uses the same rows. Contemporaneous pairs (τ = 0) are tested
    the same way and, when dependent, left undirected.

    Parameters
    ----------
    table : mapping of arrays, pandas or polars DataFrame, pyarrow Table, 2-D array
        One column per variable, rows in time order.
    max_lag : int
        Largest lag τ >= 1.
    alpha : float
        Level of the MCI tests, in (0, 1).
    pc_alpha : float
        Level of the PC1 condition selection, in (0, 1); larger keeps more
        conditions (safer, slower).
    test : {"fisherz", "chisq", "gsq"}
        Conditional-independence test, as in :func:`pc`.
    max_conds : int, optional
        Largest conditioning set tried in PC1; no bound by default.
    contemporaneous : bool
        Also test pairs at the same time step.
    columns : sequence of str, optional
        The variables, in this order; every column by default.

    missing : {"raise", "drop"}
        A missing value (NaN, None, a null) in a column used: ``"raise"`` a
        :class:`~causaloid.discover.errors.MissingValueError` naming its
        column and row, or ``"drop"`` it. A sample is a window of ``2 * max_lag + 1``
        consecutive rows (as far as a lagged source's conditions reach):
        every window that reads a missing cell is left out and the others
        keep their true time offsets (closing the gap would pair rows that
        were never that far apart), so the counts are of windows; ``rows_used`` /
        ``rows_dropped`` of the result count them.

    Returns
    -------
    CPDAG
        Over the nodes ``"x(t)"``, ``"x(t-1)"``, ... ``"x(t-max_lag)"`` of
        every column: significant lagged links point into the present,
        contemporaneous ones are undirected. ``pvalues`` maps every tested
        link ``(source, target)`` to its MCI p-value; ``tests`` counts the
        tests of both stages.

    Raises
    ------
    ColumnTypeError, NonFiniteError, ConstantColumnError
        As :func:`pc` (a column constant over the usable rows is named with its lag).
    TooFewSamplesError
        Fewer rows than ``2 * max_lag`` plus the largest conditioning set needs.
    DiscoverValueError
        ``max_lag < 1``, ``alpha`` or ``pc_alpha`` out of (0, 1), unknown ``test``.

    Examples
    --------
    ``x`` drives ``y`` two steps later; both are autocorrelated.

    >>> import numpy as np, causaloid as cl
    >>> rng = np.random.default_rng(1)
    >>> x, y = np.zeros((2, 3000))
    >>> for t in range(2, 3000):
    ...     x[t] = 0.7 * x[t - 1] + rng.normal()
    ...     y[t] = 0.6 * y[t - 1] + 0.5 * x[t - 2] + rng.normal()
    >>> g = cl.discover.pcmci({"x": x, "y": y}, max_lag=3, alpha=0.01)
    >>> g.directed
    (('x(t-1)', 'x(t)'), ('y(t-1)', 'y(t)'), ('x(t-2)', 'y(t)'))
    >>> g.pvalues[("x(t-2)", "y(t)")] < 1e-10
    True
    """
    if test not in TESTS:
        raise DiscoverValueError(
            f"test must be one of {TESTS}, got {test!r}", {"parameter": "test"}
        )
    for label, level in (("alpha", alpha), ("pc_alpha", pc_alpha)):
        if isinstance(level, bool) or not isinstance(level, (int, float)) or not 0 < level < 1:
            raise DiscoverValueError(
                f"{label} must lie strictly between 0 and 1, got {level!r}",
                {"parameter": label},
            )
    if isinstance(max_lag, bool) or not isinstance(max_lag, (int, np.integer)) or max_lag < 1:
        raise DiscoverValueError(
            f"max_lag must be an integer >= 1, got {max_lag!r}", {"parameter": "max_lag"}
        )
    if max_conds is not None and (
        isinstance(max_conds, bool) or not isinstance(max_conds, (int, np.integer)) or max_conds < 0
    ):
        raise DiscoverValueError(
            f"max_conds must be an integer >= 0 or None, got {max_conds!r}",
            {"parameter": "max_conds"},
        )
    missing = missing_name(missing)
    data = _columns(table, columns)
    names = list(data)
    if test == "fisherz":
        arrays = [np.ascontiguousarray(numeric(n, data[n]), dtype=np.float64) for n in names]
    else:
        arrays = [_categories(n, data[n]) for n in names]
    directed, undirected, links, tests, rows = _native.pcmci_learn(
        arrays,
        names,
        int(max_lag),
        float(alpha),
        float(pc_alpha),
        test,
        None if max_conds is None else int(max_conds),
        bool(contemporaneous),
        missing,
    )
    nodes = [_lagged_name(n, lag) for lag in range(int(max_lag) + 1) for n in names]
    graph = _counted(CPDAG._from_positions(nodes, directed, undirected, tests=tests), rows)
    pvalues = {
        (_lagged_name(names[source], lag), _lagged_name(names[target], 0)): float(p)
        for source, lag, target, p in links
    }
    object.__setattr__(graph, "pvalues", pvalues)
    return graph


__all__ = ["boss", "ges", "pc", "pcmci"]
