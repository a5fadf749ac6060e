"""``MRMRSelector``: the native :func:`~causaloid.discover.mrmr` as a
scikit-learn feature selector (``fit`` / ``transform`` / ``get_support``),
usable as a step of ``sklearn.pipeline.Pipeline``. It follows scikit-learn's
estimator conventions by duck typing and does not import scikit-learn."""

from __future__ import annotations

from typing import Any

import numpy as np

from causaloid.discover.errors import DiscoverValueError
from causaloid.discover.mrmr import MRMRResult, mrmr
from causaloid.errors import ShapeError

_PARAMS = ("k", "method", "task", "bins", "missing")


class NotFittedError(DiscoverValueError, AttributeError):
    """The selector was used before :meth:`MRMRSelector.fit`. It is also an
    ``AttributeError``, as scikit-learn's own ``NotFittedError`` is."""


class MRMRSelector:
    """Select ``k`` features by maximum relevance and minimum redundancy.

    Parameters
    ----------
    k : int
        How many features to keep at most.
    method : {"f_test", "mutual_info"}
        Relevance and redundancy measure, as in :func:`~causaloid.discover.mrmr`.
    task : {"regression", "classification"}
        A continuous target or class labels.
    bins : int
        Bins per column for ``"mutual_info"``.
    missing : {"raise", "drop"}
        Rows of ``X`` / ``y`` with a missing value: raise, or leave them out
        of the selection (``result_.rows_dropped`` counts them); as in
        :func:`~causaloid.discover.mrmr`. ``transform`` keeps every row.

    Attributes
    ----------
    n_features_in_ : int
        Number of columns seen by :meth:`fit`.
    feature_names_in_ : numpy.ndarray of str
        Column names, when ``fit`` received a DataFrame.
    selected_features_ : list of str
        Names of the kept features, best first (``x0, x1, ...`` for arrays).
    support_ : numpy.ndarray of bool
        Mask of the kept columns, in input order.
    result_ : MRMRResult
        The full selection (scores, relevance of every feature).

    Examples
    --------
    >>> import numpy as np
    >>> from causaloid.discover import MRMRSelector
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 4))
    >>> y = 3 * X[:, 2] - X[:, 0] + 0.1 * rng.normal(size=300)
    >>> sel = MRMRSelector(k=2).fit(X, y)
    >>> sel.selected_features_, sel.get_support(indices=True)
    (['x2', 'x0'], array([0, 2]))
    >>> sel.transform(X).shape
    (300, 2)
    >>> X[:5, 1] = np.nan
    >>> sel = MRMRSelector(k=2, missing="drop").fit(X, y)
    >>> sel.selected_features_, sel.result_.rows_dropped
    (['x2', 'x0'], 5)
    """

    def __init__(
        self,
        k: int = 10,
        *,
        method: str = "f_test",
        task: str = "regression",
        bins: int = 10,
        missing: str = "raise",
    ) -> None:
        self.k = k
        self.method = method
        self.task = task
        self.bins = bins
        self.missing = missing

    # --- scikit-learn estimator protocol -----------------------------------------
    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor parameters (scikit-learn's ``get_params``)."""
        return {name: getattr(self, name) for name in _PARAMS}

    def set_params(self, **params: Any) -> MRMRSelector:
        """Set constructor parameters; unknown names raise ``ValueError``."""
        for name, value in params.items():
            if name not in _PARAMS:
                raise DiscoverValueError(
                    f"invalid parameter {name!r} for MRMRSelector; valid: {_PARAMS}",
                    {"parameter": name},
                )
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        args = ", ".join(f"{n}={getattr(self, n)!r}" for n in _PARAMS)
        return f"MRMRSelector({args})"

    def __sklearn_tags__(self) -> Any:
        """Tags for scikit-learn >= 1.6 (a transformer that needs ``y``),
        built only when scikit-learn asks, so it is never imported here."""
        from sklearn.utils import Tags, TargetTags, TransformerTags

        return Tags(
            estimator_type=None,
            target_tags=TargetTags(required=True),
            transformer_tags=TransformerTags(),
        )

    # --- fitting ------------------------------------------------------------------
    @staticmethod
    def _frame_names(X: Any) -> list[str] | None:
        columns = getattr(X, "columns", None)
        if columns is None or isinstance(X, np.ndarray):
            return None
        return [str(c) for c in columns]

    @staticmethod
    def _matrix(X: Any) -> np.ndarray:
        if hasattr(X, "to_numpy"):
            X = X.to_numpy()
        arr = np.asarray(X)
        if arr.ndim != 2:
            raise ShapeError(
                f"X must be two-dimensional, got shape {arr.shape}", {"shape": arr.shape}
            )
        return arr

    def fit(self, X: Any, y: Any) -> MRMRSelector:
        """Choose the features of ``X`` (rows × features) for target ``y``."""
        names = self._frame_names(X)
        arr = self._matrix(X)
        target = np.asarray(y.to_numpy() if hasattr(y, "to_numpy") else y)
        if target.ndim != 1 or target.shape[0] != arr.shape[0]:
            raise ShapeError(
                f"y must be one-dimensional with {arr.shape[0]} values, got shape {target.shape}",
                {"shape": target.shape},
            )
        labels = names if names is not None else [f"x{i}" for i in range(arr.shape[1])]
        target_name = "__target__"
        while target_name in labels:
            target_name = "_" + target_name
        table: dict[str, Any] = {label: arr[:, i] for i, label in enumerate(labels)}
        table[target_name] = target
        result: MRMRResult = mrmr(
            table,
            target_name,
            self.k,
            method=self.method,
            features=labels,
            task=self.task,
            bins=self.bins,
            missing=self.missing,  # type: ignore[arg-type]
        )
        self.n_features_in_ = arr.shape[1]
        if names is not None:
            self.feature_names_in_ = np.asarray(names, dtype=object)
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        self._labels = labels
        self.result_ = result
        self.selected_features_ = list(result.features)
        chosen = set(result.features)
        self.support_ = np.array([label in chosen for label in labels], dtype=bool)
        return self

    def _fitted(self) -> None:
        if not hasattr(self, "support_"):
            raise NotFittedError(
                "this MRMRSelector is not fitted yet; call fit(X, y) first",
                {"parameter": "fit"},
            )

    def get_support(self, indices: bool = False) -> np.ndarray:
        """Mask (or, with ``indices=True``, sorted positions) of the kept columns."""
        self._fitted()
        return np.flatnonzero(self.support_) if indices else self.support_.copy()

    def transform(self, X: Any) -> Any:
        """Keep the selected columns, in input order. A DataFrame stays a
        DataFrame (selected by name); anything else becomes a NumPy array."""
        self._fitted()
        names = self._frame_names(X)
        if names is not None and hasattr(self, "feature_names_in_"):
            keep = [n for n, s in zip(self._labels, self.support_, strict=False) if s]
            missing = [n for n in keep if n not in names]
            if missing:
                raise ShapeError(
                    f"X lacks the selected column {missing[0]!r}", {"column": missing[0]}
                )
            if hasattr(X, "select") and not hasattr(X, "loc"):  # polars
                return X.select(keep)
            return X[keep]
        arr = self._matrix(X)
        if arr.shape[1] != self.n_features_in_:
            raise ShapeError(
                f"X has {arr.shape[1]} features; the selector was fitted on {self.n_features_in_}",
                {"expected": self.n_features_in_, "found": arr.shape[1]},
            )
        return arr[:, self.support_]

    def fit_transform(self, X: Any, y: Any) -> Any:
        """:meth:`fit` then :meth:`transform`."""
        return self.fit(X, y).transform(X)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Names of the kept columns, in input order."""
        self._fitted()
        labels = self._labels if input_features is None else [str(f) for f in input_features]
        return np.asarray(
            [n for n, s in zip(labels, self.support_, strict=False) if s], dtype=object
        )


__all__ = ["MRMRSelector", "NotFittedError"]
