"""mRMR: the same features in the same order as mrmr-selection, and clean errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import causaloid as cl
from causaloid.discover import errors as E
from causaloid.errors import UnknownColumnError

mrmr_ref = pytest.importorskip("mrmr")


def make(seed, n=600, m=25):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, m))
    X[:, 4] = X[:, 1] + 0.4 * rng.normal(size=n)  # a near-copy of a driver
    X[:, 9] = X[:, 2] * X[:, 3] + rng.normal(size=n)
    y = 2 * X[:, 1] + X[:, 2] - 0.5 * X[:, 7] + X[:, 9] + rng.normal(size=n)
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(m)])
    return frame, y


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_regression_selects_like_mrmr_selection(seed):
    frame, y = make(seed)
    expected = mrmr_ref.mrmr_regression(frame, pd.Series(y), K=12, show_progress=False, n_jobs=1)
    ours = cl.discover.mrmr(frame.assign(y=y), "y", k=12)
    assert ours.features == expected


@pytest.mark.parametrize("seed", [4, 5])
def test_classification_selects_like_mrmr_selection(seed):
    frame, y = make(seed)
    classes = np.digitize(y, [-1.0, 1.0])
    expected = mrmr_ref.mrmr_classif(frame, pd.Series(classes), K=10, show_progress=False, n_jobs=1)
    ours = cl.discover.mrmr(frame.assign(y=classes), "y", k=10, task="classification")
    assert ours.features == expected
    labels = np.array(["low", "mid", "high"])[classes]
    assert cl.discover.mrmr(frame.assign(y=labels), "y", k=10, task="classification").features == (
        expected
    )


def test_mutual_information_finds_the_drivers_first():
    frame, y = make(7, n=3000, m=10)
    res = cl.discover.mrmr(frame.assign(y=y), "y", k=3, method="mutual_info")
    assert res.features[0] == "f1"
    assert set(res.features) <= {"f1", "f2", "f4", "f7", "f9"}
    assert res.relevance["f1"] > res.relevance["f0"]


def test_result_reads_well():
    frame, y = make(0)
    res = cl.discover.mrmr(frame.assign(y=y), "y", k=3)
    assert list(res) == res.features and len(res) == 3 and res[0] == res.features[0]
    assert res.scores[0] == res.relevance[res[0]]
    assert "f1" in str(res)
    assert list(res.to_frame().columns) == ["feature", "score", "relevance"]


def test_features_restrict_the_candidates():
    frame, y = make(0)
    res = cl.discover.mrmr(frame.assign(y=y), "y", k=5, features=["f0", "f2", "f3"])
    assert set(res.features) == {"f0", "f2", "f3"}


def test_bad_input_is_named():
    frame, y = make(0, n=50, m=10)
    table = frame.assign(y=y)
    with pytest.raises(UnknownColumnError):
        cl.discover.mrmr(table, "nope")
    with pytest.raises(E.DiscoverValueError, match="method"):
        cl.discover.mrmr(table, "y", method="pearson")
    with pytest.raises(E.DiscoverValueError, match="k"):
        cl.discover.mrmr(table, "y", k=0)
    with pytest.raises(E.DiscoverValueError, match="among"):
        cl.discover.mrmr(table, "y", features=["y", "f0"])
    table.loc[3, "f2"] = np.nan
    with pytest.raises(E.NonFiniteError, match="f2"):
        cl.discover.mrmr(table, "y")
    table["f2"] = 1.0
    with pytest.raises(E.ConstantColumnError, match="f2"):
        cl.discover.mrmr(table, "y")
