"""Property tests of cl.Uncertain: seeded determinism and batch sampling equal
to the same stream sampled in pieces."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import causaloid as cl

U = cl.Uncertain
seeds = st.integers(min_value=0, max_value=2**64 - 1)


@settings(max_examples=25, deadline=None)
@given(seed=seeds, n=st.integers(1, 9000))
def test_the_same_seed_gives_bit_identical_results(seed: int, n: int) -> None:
    x = U.normal(1.0, 2.0)
    u = (x * U.uniform(0.0, 1.0) + x).map(np.tanh) > 0.1
    assert np.array_equal(u.sample(n, seed=seed), u.sample(n, seed=seed))
    e1 = (x * x).expected_value(n, seed=seed)
    e2 = (x * x).expected_value(n, seed=seed)
    assert e1 == e2
    d1 = u.probability_exceeds(0.5, seed=seed)
    d2 = u.probability_exceeds(0.5, seed=seed)
    assert (d1.outcome, d1.samples) == (d2.outcome, d2.samples)


@settings(max_examples=25, deadline=None)
@given(seed=seeds, n=st.integers(1, 9000), m=st.integers(1, 9000))
def test_a_batch_equals_the_first_samples_of_a_larger_batch(seed: int, n: int, m: int) -> None:
    u = U.normal(0.0, 1.0) + U.mixture([U.point(0.0), U.uniform(5.0, 6.0)], [0.5, 0.5])
    small, large = sorted((n, m))
    assert np.array_equal(u.sample(small, seed=seed), u.sample(large, seed=seed)[:small])


@settings(max_examples=25, deadline=None)
@given(
    seed=seeds, p=st.floats(0.0, 1.0), std=st.one_of(st.floats(-10.0, 10.0), st.just(float("nan")))
)
def test_garbage_parameters_raise_clean_exceptions(seed: int, p: float, std: float) -> None:
    try:
        x = U.normal(0.0, std)
    except cl.uncertain.UncertainParameterError:
        assert not std >= 0
    else:
        assert x.sample(3, seed=seed).shape == (3,)
    assert U.bernoulli(p).sample(3, seed=seed).dtype == np.bool_
