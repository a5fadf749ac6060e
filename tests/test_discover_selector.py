"""``MRMRSelector``: the native mRMR as a scikit-learn selector. It behaves as
scikit-learn expects (clone, get/set_params, Pipeline, DataFrames) without the
package importing scikit-learn."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import causaloid as cl
from causaloid.discover import MRMRSelector
from causaloid.discover.errors import DiscoverValueError
from causaloid.discover.selector import NotFittedError
from causaloid.errors import ShapeError


def _data(rows: int = 400, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, 6))
    y = 2 * X[:, 4] - X[:, 1] + 0.5 * X[:, 3] + 0.1 * rng.normal(size=rows)
    return X, y


def test_selection_matches_the_mrmr_function() -> None:
    X, y = _data()
    sel = MRMRSelector(k=3).fit(X, y)
    table = {f"x{i}": X[:, i] for i in range(6)} | {"y": y}
    assert sel.selected_features_ == cl.discover.mrmr(table, "y", k=3).features
    assert sel.get_support(indices=True).tolist() == sorted(
        int(f[1:]) for f in sel.selected_features_
    )
    np.testing.assert_array_equal(sel.transform(X), X[:, sel.get_support()])


def test_it_works_inside_a_sklearn_pipeline_and_clones() -> None:
    sklearn = pytest.importorskip("sklearn")
    from sklearn.base import clone
    from sklearn.linear_model import LinearRegression
    from sklearn.pipeline import Pipeline

    X, y = _data()
    pipe = Pipeline([("select", MRMRSelector(k=3)), ("model", LinearRegression())])
    pipe.fit(X, y)
    assert pipe.score(X, y) > 0.99
    assert pipe.named_steps["select"].get_support().sum() == 3
    twin = clone(MRMRSelector(k=2, method="mutual_info"))
    assert twin.get_params() == {
        "k": 2,
        "method": "mutual_info",
        "task": "regression",
        "bins": 10,
        "missing": "raise",
    }
    pipe.set_params(select__k=2)
    assert pipe.named_steps["select"].k == 2
    assert sklearn.__version__


def test_dataframes_keep_their_column_names() -> None:
    pd = pytest.importorskip("pandas")
    X, y = _data()
    frame = pd.DataFrame(X, columns=list("abcdef"))
    sel = MRMRSelector(k=2).fit(frame, pd.Series(y))
    out = sel.transform(frame)
    assert list(out.columns) == ["b", "e"]
    assert sel.get_feature_names_out().tolist() == ["b", "e"]
    assert sel.feature_names_in_.tolist() == list("abcdef")


def test_classification_targets_may_be_labels() -> None:
    X, y = _data()
    labels = np.where(y > 0, "high", "low")
    sel = MRMRSelector(k=1, task="classification").fit(X, labels)
    assert sel.selected_features_ == ["x4"]


def test_misuse_raises_clear_errors() -> None:
    X, y = _data()
    with pytest.raises(NotFittedError):
        MRMRSelector().transform(X)
    with pytest.raises(DiscoverValueError):
        MRMRSelector().set_params(kk=3)
    with pytest.raises(DiscoverValueError):
        MRMRSelector(k=0).fit(X, y)
    with pytest.raises(ShapeError):
        MRMRSelector(k=2).fit(X, y[:10])
    sel = MRMRSelector(k=2).fit(X, y)
    with pytest.raises(ShapeError):
        sel.transform(X[:, :3])


def test_the_package_does_not_import_sklearn() -> None:
    code = (
        "import sys, numpy as np, causaloid as cl\n"
        "X = np.random.default_rng(0).normal(size=(50, 3))\n"
        "cl.discover.MRMRSelector(k=1).fit(X, X[:, 0] * 2).transform(X)\n"
        "assert 'sklearn' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
