"""``mrmr``: maximum-relevance minimum-redundancy feature selection. The
F-test variant selects the same features, in the same order, as the
``mrmr-selection`` package; scoring runs natively and in parallel."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from causaloid import _native
from causaloid._frames import Tabular
from causaloid._table import numeric, to_columns
from causaloid._threads import scope
from causaloid.discover._missing import MissingRows, missing_name
from causaloid.discover.errors import DiscoverValueError

METHODS = ("f_test", "mutual_info")
TASKS = ("regression", "classification")


@dataclass(frozen=True)
class MRMRResult(Tabular):
    """Features chosen by :func:`mrmr`, best first.

    Attributes
    ----------
    target : str
        The column the features were chosen for.
    features : list of str
        The selected features in selection order.
    scores : list of float
        Each feature's mRMR score when it was chosen: relevance over mean
        redundancy (``"f_test"``) or relevance minus mean redundancy in bits
        (``"mutual_info"``).
    relevance : dict of str to float
        Relevance of every candidate feature (F statistic, or bits).
    method : str
        ``"f_test"`` or ``"mutual_info"``.
    rows_used : int or None
        Rows the selection read.
    rows_dropped : int
        Rows left out for a missing value (``missing="drop"``); 0 otherwise.

    Iterating yields the feature names.
    """

    target: str
    features: list[str]
    scores: list[float]
    relevance: dict[str, float]
    method: str
    rows_used: int | None = None
    rows_dropped: int = 0

    def __iter__(self) -> Iterator[str]:
        return iter(self.features)

    def __len__(self) -> int:
        return len(self.features)

    def __getitem__(self, index: int) -> str:
        return self.features[index]

    def _columns(self) -> dict[str, list[Any]]:
        """The table of ``to_frame``/``to_polars``/``to_arrow``: ``feature``,
        ``score``, ``relevance``."""
        return {
            "feature": list(self.features),
            "score": list(self.scores),
            "relevance": [self.relevance[f] for f in self.features],
        }

    def __str__(self) -> str:
        head = f"mRMR for {self.target!r} ({self.method}"
        if self.rows_used is not None:
            head += f", {self.rows_used} rows"
        if self.rows_dropped:
            head += f", {self.rows_dropped} dropped for missing values"
        lines = [head + ")", f"{'rank':>4}  {'feature':<28} score"]
        for i, (f, s) in enumerate(zip(self.features, self.scores, strict=False), 1):
            lines.append(f"{i:>4}  {f:<28} {s:.6g}")
        return "\n".join(lines)


def _target_codes(name: str, values: np.ndarray) -> np.ndarray:
    """Class labels (numbers, strings, booleans) as float codes."""
    _, codes = np.unique(values, return_inverse=True)
    out = np.ascontiguousarray(codes.reshape(-1), dtype=np.float64)
    if values.dtype.kind == "f":
        # A missing label is missing, not a class of its own.
        out[np.isnan(values)] = np.nan
    return out


def mrmr(
    table: Any,
    target: str,
    k: int = 10,
    *,
    method: str = "f_test",
    features: Sequence[str] | None = None,
    task: str = "regression",
    bins: int = 10,
    threads: int | None = None,
    missing: MissingRows = "raise",
) -> MRMRResult:
    """Select up to ``k`` features for ``target`` by maximum relevance and
    minimum redundancy.

    Parameters
    ----------
    table : mapping of arrays, pandas or polars DataFrame, pyarrow Table
        The data.
    target : str
        The column to explain.
    k : int
        How many features to select at most. Features with no relevance are
        never selected, so fewer may come back.
    method : {"f_test", "mutual_info"}
        ``"f_test"``: relevance is the F statistic (regression, or one-way
        ANOVA for ``task="classification"``), redundancy the mean absolute
        Pearson correlation with the chosen features (floored at 0.001), score
        their quotient — the defaults of ``mrmr-selection``.
        ``"mutual_info"``: relevance and redundancy are mutual information in
        bits on ``bins`` equal-width bins, score their difference (Ding & Peng).
    features : sequence of str, optional
        Candidate columns; every other column when omitted.
    task : {"regression", "classification"}
        A continuous target, or a target of class labels (which may be strings).
    bins : int
        Bins per column for ``"mutual_info"``.
    threads : int, optional
        Engine threads for this call only (1 to 4096); the configured count
        (:func:`causaloid.set_threads`) when omitted. Never changes the result.
    missing : {"raise", "drop"}
        A missing value in the target or a candidate: ``"raise"`` a
        :class:`~causaloid.discover.errors.MissingValueError` naming its
        column and row, or ``"drop"`` every row holding one (listwise, in the
        engine); :attr:`MRMRResult.rows_dropped` counts them.

    Returns
    -------
    MRMRResult

    Examples
    --------
    >>> import numpy as np, causaloid as cl
    >>> rng = np.random.default_rng(1)
    >>> a, b, noise = rng.normal(size=(3, 500))
    >>> table = {"a": a, "a_copy": a + 0.3 * noise, "b": b, "y": 2 * a + b}
    >>> res = cl.discover.mrmr(table, "y", k=2)
    >>> res.features  # the copy of a adds nothing once a is chosen
    ['a', 'b']
    >>> table["b"] = np.where(np.arange(500) < 20, np.nan, b)
    >>> res = cl.discover.mrmr(table, "y", k=2, missing="drop")
    >>> res.features, res.rows_used, res.rows_dropped
    (['a', 'b'], 480, 20)
    """
    missing = missing_name(missing)
    if method not in METHODS:
        raise DiscoverValueError(
            f"method must be one of {METHODS}, got {method!r}", {"parameter": "method"}
        )
    if task not in TASKS:
        raise DiscoverValueError(
            f"task must be one of {TASKS}, got {task!r}", {"parameter": "task"}
        )
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise DiscoverValueError(f"k must be a positive integer, got {k!r}", {"parameter": "k"})
    if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or bins < 2:
        raise DiscoverValueError(
            f"bins must be an integer >= 2, got {bins!r}", {"parameter": "bins"}
        )
    if features is None:
        names = [c for c in to_columns(table) if c != target]
    else:
        names = [features] if isinstance(features, str) else list(features)
        if target in names:
            raise DiscoverValueError(
                f"the target {target!r} is among the candidate features",
                {"parameter": "features", "column": target},
            )
    if not names:
        raise DiscoverValueError("no candidate features", {"parameter": "features"})
    columns = to_columns(table, [target, *names])
    values = [np.ascontiguousarray(numeric(n, columns[n]), dtype=np.float64) for n in names]
    if task == "classification":
        y = _target_codes(target, columns[target])
    else:
        y = np.ascontiguousarray(numeric(target, columns[target]), dtype=np.float64)
    if method == "f_test":
        kind = "f_classif" if task == "classification" else "f_regression"
    else:
        kind = "mutual_info"
    with scope(threads):
        selected, scores, relevance, used, dropped = _native.mrmr_select(
            values, names, y, target, int(k), kind, int(bins), task == "classification", missing
        )
    return MRMRResult(
        target=target,
        features=[names[i] for i in selected],
        scores=list(scores),
        relevance=dict(zip(names, relevance, strict=False)),
        method=method,
        rows_used=int(used),
        rows_dropped=int(dropped),
    )
