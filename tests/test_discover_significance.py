"""SURD's permutation null: p-values, bias-corrected components, sparse
histogram warnings, and noise that yields no significant cause."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import causaloid as cl
from causaloid.discover.errors import TooFewSamplesError


def noise_table(n: int, columns: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {f"v{i}": rng.normal(size=n) for i in range(columns)}


@pytest.mark.parametrize(
    ("rows", "seeds"), [(20, range(5)), (120, range(5)), (360, range(5)), (2000, range(4))]
)
def test_independent_noise_yields_no_significant_edge_in_almost_every_seed(rows, seeds):
    found = 0
    for seed in seeds:
        pipe = cl.discover.Pipeline("v0", bins=4, k=6, max_order=3, progress=False, seed=seed)
        pipe.load(noise_table(rows, 10, 100 + seed)).clean().select().discover(targets=None)
        pipe.analyze()
        found += bool(pipe.edges)
    # Taken over the four sizes, 19 tables: at most one may show an edge (>= 95 %).
    assert found <= 1


def test_noise_across_all_sizes_finds_a_significant_edge_in_at_most_5_percent_of_seeds():
    runs, found = 0, 0
    for rows, seeds in [(20, 6), (200, 6), (2000, 6), (100_000, 2)]:
        for seed in range(seeds):
            res = cl.discover.surd(
                noise_table(rows, 4, seed), "v0", bins=4 if rows < 200 else 8, seed=seed
            )
            runs += 1
            found += bool(res.significant(0.01))
    assert found <= 0.05 * runs


def test_a_real_cause_is_significant_and_survives_bias_correction():
    rng = np.random.default_rng(3)
    x = rng.normal(size=1500)
    table = {"x": x, "z": rng.normal(size=1500), "y": np.roll(x, 1) + 0.3 * rng.normal(size=1500)}
    res = cl.discover.surd(table, "y", bins=6)
    test = res.test("unique", "x")
    assert test is not None and test.p_value <= 0.01
    assert 0 < test.corrected < test.observed
    assert res.p_value("unique", "z") > 0.01
    assert res.mutual_info_test is not None and res.mutual_info_test.p_value <= 0.01
    assert [c for _, c, _ in res.significant()] == [("x",)]


def test_noise_reads_as_no_significant_causes_in_the_text():
    res = cl.discover.surd(noise_table(360, 10, 1), "v0", max_order=2)
    text = str(res)
    assert "no significant causes of v0" in text
    assert res.mutual_info_test is not None
    # The plug-in mutual information is large; its bias-corrected value is not.
    assert res.mutual_info > 1.0 and abs(res.mutual_info_test.corrected) < 0.2


def test_sparse_histograms_are_warned_about_in_the_result_and_the_text():
    res = cl.discover.surd(noise_table(60, 5, 0), "v0", bins=8, max_order=2)
    assert res.samples_per_bin is not None and res.samples_per_bin < 5
    assert any(w.startswith("sparse:") for w in res.warnings)
    assert "warning: sparse:" in str(res)
    dense = cl.discover.surd(noise_table(20_000, 2, 0), "v0", bins=4)
    assert dense.warnings == () and dense.samples_per_bin > 100


def test_the_same_seed_gives_the_same_tests_and_another_seed_other_ones():
    table = noise_table(300, 4, 2)
    a = cl.discover.surd(table, "v0", bins=4, seed=1)
    assert a == cl.discover.surd(table, "v0", bins=4, seed=1)
    assert a.tests != cl.discover.surd(table, "v0", bins=4, seed=2).tests


def test_no_permutations_means_no_tests():
    res = cl.discover.surd(noise_table(300, 3, 2), "v0", bins=4, permutations=0)
    assert res.tests == {} and res.mutual_info_test is None and res.warnings == ()


def test_bad_permutations_and_seed_are_refused():
    table = noise_table(100, 3, 2)
    for kwargs in ({"permutations": -1}, {"permutations": 10**6}, {"seed": -3}):
        with pytest.raises(cl.CausalError, match="permutations|seed"):
            cl.discover.surd(table, "v0", bins=4, **kwargs)


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 2**32), st.integers(30, 300))
def test_p_values_are_probabilities_and_corrected_values_are_observed_minus_null(seed, rows):
    res = cl.discover.surd(noise_table(rows, 3, seed), "v0", bins=3, permutations=20, seed=seed)
    for (kind, combo), t in res.tests.items():
        assert 1 / 21 - 1e-12 <= t.p_value <= 1.0
        assert t.corrected == pytest.approx(t.observed - t.null_mean)
        value = getattr(res, kind)[combo[0] if kind == "unique" else combo]
        assert t.observed == pytest.approx(value, abs=1e-12)


def test_mrmr_with_more_bins_than_rows_raises_a_clear_error_naming_bins():
    table = noise_table(2000, 4, 0)
    with pytest.raises(TooFewSamplesError, match="bins") as info:
        cl.discover.mrmr(table, "v0", 2, method="mutual_info", bins=10**6)
    assert isinstance(info.value, cl.CausalError)


def test_surd_with_a_hundred_million_bins_refuses_before_allocating():
    with pytest.raises(TooFewSamplesError, match="bins"):
        cl.discover.surd(noise_table(500, 3, 0), "v0", bins=10**8)


def test_printed_tables_stay_within_100_characters_with_many_long_names():
    rng = np.random.default_rng(0)
    table = {f"a_rather_long_metric_name_{i:02d}": rng.normal(size=400) for i in range(12)}
    first = next(iter(table))
    res = cl.discover.surd(table, first, bins=4, max_order=3)
    text = str(res)
    assert max(len(line) for line in text.splitlines()) <= 100
    assert len(text.splitlines()) <= 30
    assert "R = redundant" in text and "S = synergistic" in text
    assert len(res.to_string(top=None).splitlines()) > len(text.splitlines())


def test_plot_of_fifty_agents_draws_only_the_top_components_as_horizontal_bars():
    import matplotlib

    matplotlib.use("Agg")
    rng = np.random.default_rng(0)
    table = {f"m{i}": rng.normal(size=300) for i in range(51)}
    res = cl.discover.surd(table, "m0", bins=3, max_order=1, permutations=10)
    ax = res.plot(top=20)
    assert len(ax.get_yticklabels()) == 21  # 20 components and the leak
    width, height = ax.figure.get_size_inches()
    assert width < 10 and height < 10


def test_cli_on_the_sock_shop_table_fits_a_screen_in_lines_of_at_most_100_characters():
    import subprocess
    import sys
    from pathlib import Path

    data = Path(__file__).parent.parent / "examples" / "data" / "sock-shop" / "carts_cpu_1"
    base = [sys.executable, "-m", "causaloid", "discover", str(data / "anomalous.csv")]
    args = [*base, "--target", "carts_latency", "--no-progress"]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert max(len(line) for line in lines) <= 100
    assert len(lines) <= 30
    assert "R = redundant" in proc.stdout and "U = unique" in proc.stdout
    full = subprocess.run([*args, "--all"], capture_output=True, text=True, timeout=300)
    assert max(len(line) for line in full.stdout.splitlines()) <= 100
    assert len(full.stdout.splitlines()) > len(lines)


def test_cli_on_noise_says_no_significant_causes(tmp_path):
    import subprocess
    import sys

    import polars as pl

    pl.DataFrame(noise_table(360, 10, 4)).write_csv(tmp_path / "noise.csv")
    args = ["discover", str(tmp_path / "noise.csv"), "--target", "v0", "--no-progress"]
    proc = subprocess.run(
        [sys.executable, "-m", "causaloid", *args], capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    assert "no significant causes of v0" in proc.stdout
