"""``surd`` and ``surd_from_pdf``: decompose the causality of agents on a
target into redundant, unique and synergistic parts (Martínez-Sánchez, Arranz &
Lozano-Durán, Nat. Commun. 2024). Binning and the decomposition run natively."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from causaloid import _native
from causaloid._table import numeric, to_columns
from causaloid._threads import scope
from causaloid.discover._missing import MissingRows, missing_name
from causaloid.discover.errors import DiscoverValueError
from causaloid.discover.result import (
    ComponentTest,
    SurdResult,
    SurdStateMaps,
    sparsity_warnings,
    state_labels,
)

Binning = Sequence[float] | np.ndarray | Mapping[str, Any]


def _surd_arguments(
    target: Any,
    agents: Any,
    all_columns: Callable[[], list[str]],
    lag: Any,
    permutations: Any,
    seed: Any,
    max_order: Any,
    self_causation: bool,
) -> tuple[int, int, int, int | None, list[str]]:
    """SURD's arguments checked once for every path (one table or partitions):
    ``(lag, permutations, seed, max_order, agents)``, the agents with the
    target's own past appended under ``self_causation``. ``all_columns`` is
    called only when ``agents`` is None."""
    lag = _check_int("lag", lag, 0)
    permutations = _check_int("permutations", permutations, 0)
    seed = _check_int("seed", seed, 0)
    if seed >= 2**64:
        raise DiscoverValueError(f"seed must be below 2**64, got {seed}", {"parameter": "seed"})
    if max_order is not None:
        max_order = _check_int("max_order", max_order, 1)
    if not isinstance(target, str):
        raise DiscoverValueError(
            f"target must be a column name, got {target!r}", {"parameter": "target"}
        )
    if agents is None:
        agents = [c for c in all_columns() if c != target]
    elif isinstance(agents, str):
        agents = [agents]
    agents = list(agents)
    if target in agents:
        raise DiscoverValueError(
            f"the target {target!r} is among its agents; pass self_causation=True to include "
            "its own past",
            {"parameter": "agents", "column": target},
        )
    if len(set(agents)) != len(agents):
        raise DiscoverValueError(f"agents repeat a column: {agents}", {"parameter": "agents"})
    if self_causation:
        if lag < 1:
            raise DiscoverValueError(
                "self_causation needs lag >= 1 (a variable trivially explains itself)",
                {"parameter": "lag"},
            )
        agents = [*agents, target]
    if not agents:
        raise DiscoverValueError("give at least one agent", {"parameter": "agents"})
    return lag, permutations, seed, max_order, agents


def _check_int(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise DiscoverValueError(
            f"{name} must be an integer of at least {minimum}, got {value!r}", {"parameter": name}
        )
    return int(value)


def _edges_for(name: str, bins: Any, binning: Binning | None) -> tuple[int, list[float] | None]:
    """The bin count or explicit edges for one column."""
    spec: Any = binning
    if isinstance(binning, Mapping):
        spec = binning.get(name)
    if spec is None:
        if isinstance(bins, Mapping):
            return _check_int("bins", bins.get(name, 8), 2), None
        return _check_int("bins", bins, 2), None
    edges = np.asarray(spec, dtype=np.float64)
    if edges.ndim != 1:
        raise DiscoverValueError(
            f"binning of {name!r} must be a 1-D sequence of edges", {"parameter": "binning"}
        )
    return max(edges.size - 1, 2), [float(e) for e in edges]


def _as_float(name: str, arr: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(numeric(name, arr), dtype=np.float64)


def _names(combos: list[tuple[tuple[int, ...], float]], names: Sequence[str]) -> dict:
    # Smaller agent sets first, as in the paper's figures.
    ordered = sorted(combos, key=lambda item: (len(item[0]), item[0]))
    return {tuple(names[i] for i in combo): value for combo, value in ordered}


def _state_maps(
    raw: dict[str, Any], target: str, agents: Sequence[str], edges: Sequence[float] | None
) -> SurdStateMaps:
    states = raw["states"]
    probability = tuple(float(p) for p in states["target_probability"])

    def per(items: list[tuple[tuple[int, ...], list[float]]]) -> dict:
        ordered = sorted(items, key=lambda item: (len(item[0]), item[0]))
        return {tuple(agents[i] for i in c): tuple(float(x) for x in v) for c, v in ordered}

    return SurdStateMaps(
        target=target,
        states=state_labels(len(probability), edges),
        target_probability=probability,
        redundant=per(states["redundant"]),
        unique={
            a: tuple(float(x) for x in v) for a, v in zip(agents, states["unique"], strict=False)
        },
        synergistic=per(states["synergistic"]),
        leak=tuple(float(x) for x in states["leak"]),
    )


def _build(raw: dict[str, Any], target: str, agents: Sequence[str], **extra: Any) -> SurdResult:
    edges = extra.get("bin_edges", {}).get(target)
    return SurdResult(
        target=target,
        agents=tuple(agents),
        redundant=_names(raw["redundant"], agents),
        unique={a: float(u) for a, u in zip(agents, raw["unique"], strict=False)},
        synergistic=_names(raw["synergistic"], agents),
        info_leak=raw["info_leak"],
        mutual_info=raw["mutual_info"],
        target_entropy=raw["target_entropy"],
        information=_names(raw["information"], agents),
        max_order=raw["max_order"],
        state_maps=_state_maps(raw, target, agents, edges),
        **extra,
    )


def _tests(raw: dict[str, Any], agents: Sequence[str]) -> dict[tuple[str, tuple[str, ...]], Any]:
    out: dict[tuple[str, tuple[str, ...]], Any] = {}
    for kind in ("redundant", "synergistic"):
        for combo, t in raw[kind]:
            out[(kind, tuple(agents[i] for i in combo))] = ComponentTest(*t)
    for agent, t in zip(agents, raw["unique"], strict=False):
        out[("unique", (agent,))] = ComponentTest(*t)
    return out


def surd(
    table: Any,
    target: str,
    agents: Sequence[str] | None = None,
    *,
    lag: int = 1,
    bins: int | Mapping[str, int] = 8,
    binning: Binning | None = None,
    max_order: int | None = None,
    self_causation: bool = False,
    permutations: int = 100,
    seed: int = 0,
    threads: int | None = None,
    missing: MissingRows = "raise",
) -> SurdResult:
    """Decompose the causality of ``agents`` on ``target`` with SURD.

    The target is read ``lag`` samples after its agents (rows are time steps);
    every column is binned into ``bins`` equal-width bins between its minimum
    and maximum, or by explicit edges in ``binning``.

    Parameters
    ----------
    table : mapping of arrays, pandas or polars DataFrame, pyarrow Table
        The measurements, one column per variable.
    target : str
        The column whose future is explained.
    agents : sequence of str, optional
        The columns whose past explains it; every other column when omitted.
    lag : int
        How many rows ahead of the agents the target is taken (0: same row).
    bins : int or mapping of str to int
        Equal-width bins per column (at least 2); a mapping gives 8 to the
        columns it does not name.
    binning : sequence of float or mapping of str to sequence of float, optional
        Explicit bin edges, for every column or per column name; values outside
        the edges raise :class:`~causaloid.discover.errors.BinningError`.
    max_order : int, optional
        Consider agent combinations of at most this size, so 10–20 agents stay
        tractable. The components then sum to the information explained by those
        combinations (at most ``mutual_info``).
    self_causation : bool
        Add the target's own past as an agent (named like the target);
        needs ``lag >= 1``.
    permutations : int
        Shuffles of the target for the permutation null (0: no test). Each
        component then gets a bias-corrected value (observed minus its mean
        under the null) and a family-wise p-value (max-T over all components,
        so at most ``alpha`` of noise tables show any component with
        ``p <= alpha``); the smallest p-value is ``1 / (permutations + 1)``.
        Computed natively, in parallel, the same for a given ``seed``: each
        shuffle is drawn directly as its joint table of all agents and the
        target (a random table with the observed margins), so the same
        ``seed`` gives the same numbers on partitions (:mod:`causaloid.dask`,
        :mod:`causaloid.ray`).
    seed : int
        Seed of the shuffles.
    threads : int, optional
        Engine threads for this call only (1 to 4096); the configured count
        (:func:`causaloid.set_threads`) when omitted. Never changes the result.
    missing : {"raise", "drop"}
        A missing value (NaN, None, a null) in the target or an agent:
        ``"raise"`` a :class:`~causaloid.discover.errors.MissingValueError`
        naming its column and row, or ``"drop"`` every *sample* that reads
        one (the agents at ``t`` with the target at ``t + lag``); the other
        samples keep their pairing. The result counts them
        (:attr:`~SurdResult.rows_dropped`, :attr:`~SurdResult.samples`).

    Returns
    -------
    SurdResult
        With :attr:`~SurdResult.tests`, :attr:`~SurdResult.samples_per_bin`
        and :attr:`~SurdResult.warnings` (histograms too sparse for the bins
        asked) when ``permutations > 0``.

    Raises
    ------
    UnknownColumnError
        A target or agent that the table does not have.
    DiscoverValueError
        The target among its agents, a bad ``lag``, ``bins`` or ``max_order``, or
        more than 100 000 agent combinations (pass a smaller ``max_order``).
    NonFiniteError, ConstantColumnError, TooFewSamplesError, ColumnTypeError
        Data that cannot be binned.

    Examples
    --------
    >>> import numpy as np, causaloid as cl
    >>> rng = np.random.default_rng(0)
    >>> x1, x2 = rng.integers(0, 2, 10_000), rng.integers(0, 2, 10_000)
    >>> y = np.roll(x1 ^ x2, 1)            # y[t] = x1[t-1] xor x2[t-1]
    >>> res = cl.discover.surd({"y": y, "x1": x1, "x2": x2}, target="y", bins=2)
    >>> round(res.synergistic[("x1", "x2")], 2), round(res.info_leak, 2)
    (1.0, 0.0)
    >>> res.p_value("synergistic", ("x1", "x2")) <= 0.01
    True

    Samples with a missing value left out:

    >>> x = np.where(np.arange(10_000) % 10 == 0, np.nan, x1)
    >>> res = cl.discover.surd({"y": y, "x": x}, target="y", bins=2, missing="drop")
    >>> res.samples, res.rows_dropped
    (8999, 1000)
    """
    missing = missing_name(missing)
    lag, permutations, seed, max_order, agents = _surd_arguments(
        target,
        agents,
        lambda: list(to_columns(table)),
        lag,
        permutations,
        seed,
        max_order,
        self_causation,
    )
    columns = to_columns(table, [target, *[a for a in agents if a != target]])
    target_values = _as_float(target, columns[target])
    agent_values = [_as_float(a, columns[a]) for a in agents]
    target_bins, target_edges = _edges_for(target, bins, binning)
    specs = [_edges_for(a, bins, binning) for a in agents]
    with scope(threads):
        raw = _native.surd_columns(
            target_values,
            target,
            target_bins,
            target_edges,
            agent_values,
            list(agents),
            [s[0] for s in specs],
            [s[1] for s in specs],
            lag,
            max_order,
            permutations,
            seed,
            missing,
        )
    return _from_columns(raw, target, agents, lag)


def _from_columns(raw: dict[str, Any], target: str, agents: Sequence[str], lag: int) -> SurdResult:
    """A :class:`SurdResult` from the engine's answer on columns (collected or
    merged from partitions), with its permutation test when one ran."""
    edges = {target: tuple(raw["target_edges"])}
    edges.update({a: tuple(e) for a, e in zip(agents, raw["agent_edges"], strict=False)})
    extra: dict[str, Any] = {}
    sig = raw.get("significance")
    if sig is not None:
        n_bins = [len(edges[target]) - 1, *(len(edges[a]) - 1 for a in agents)]
        extra = {
            "tests": _tests(sig, agents),
            "mutual_info_test": ComponentTest(*sig["mutual_info"]),
            "permutations": sig["permutations"],
            "seed": sig["seed"],
            "occupied_bins": sig["occupied_cells"],
            "warnings": sparsity_warnings(
                raw["samples"], sig["occupied_cells"], n_bins, raw["max_order"]
            ),
        }
    return _build(
        raw,
        target,
        agents,
        lag=lag,
        samples=raw["samples"],
        rows_dropped=int(raw.get("rows_dropped", 0)),
        bin_edges=edges,
        **extra,
    )


def surd_from_pdf(
    p: Any, names: Sequence[str] | None = None, *, max_order: int | None = None
) -> SurdResult:
    """SURD of a joint probability array whose first axis is the target's future.

    Parameters
    ----------
    p : array_like
        Non-negative joint probabilities (or counts), shape ``(n_target, n_1, ...,
        n_agents)``; normalised to sum to one.
    names : sequence of str, optional
        The target's name then one per agent; ``"target", "x1", "x2", ...`` by default.
    max_order : int, optional
        Consider agent combinations of at most this size.

    Returns
    -------
    SurdResult

    Examples
    --------
    >>> import numpy as np, causaloid as cl
    >>> p = np.zeros((2, 2, 2))
    >>> for a in (0, 1):
    ...     for b in (0, 1):
    ...         p[a ^ b, a, b] = 0.25
    >>> res = cl.discover.surd_from_pdf(p)
    >>> res.synergistic
    {('x1', 'x2'): 1.0}
    """
    from causaloid.discover.errors import DistributionError

    try:
        arr = np.ascontiguousarray(p, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DistributionError(f"p must be an array of numbers: {exc}") from exc
    if arr.ndim < 2:
        raise DistributionError(
            f"p needs at least 2 axes (target and one agent), got shape {arr.shape}",
            {"shape": arr.shape},
        )
    if names is None:
        names = ["target", *[f"x{i}" for i in range(1, arr.ndim)]]
    names = [str(n) for n in names]
    if len(names) != arr.ndim:
        raise DistributionError(
            f"{len(names)} names for an array of {arr.ndim} axes", {"shape": arr.shape}
        )
    if len(set(names)) != len(names):
        raise DiscoverValueError(f"names repeat: {names}", {"parameter": "names"})
    if max_order is not None:
        max_order = _check_int("max_order", max_order, 1)
    raw = _native.surd_pdf(arr, max_order)
    return _build(raw, names[0], names[1:])
