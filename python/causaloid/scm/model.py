"""The :class:`SCM`: a structural causal model evaluated by the engine."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

from causaloid import _native
from causaloid._seed import Seed, as_seed
from causaloid._table import numeric, to_columns
from causaloid._threads import scope
from causaloid.errors import InvalidArgumentError
from causaloid.expr import Expr
from causaloid.scm.errors import EquationError, SCMMemoryError
from causaloid.scm.noise import Empirical, Linear, NoiseLike, Normal, Uniform, noise_spec
from causaloid.scm.results import Counterfactual, CounterfactualTable, EffectEstimate, SCMTable

EquationLike = Expr | Linear | Callable[..., Any] | None
Intervention = float | Expr


def _name(fn: Callable[..., Any]) -> str:
    return getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or repr(fn)


def _callable_params(fn: Callable[..., Any]) -> tuple[list[str] | None, bool]:
    """The parameter names of a Python equation (None for ``*args``) and
    whether it takes its noise as the ``noise`` parameter."""
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return None, False
    if any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in params):
        return None, False
    names = [p.name for p in params]
    takes_noise = bool(names) and names[-1] == "noise"
    return (names[:-1] if takes_noise else names), takes_noise


class SCM:
    """A structural causal model: each variable is a structural equation of its
    parents plus exogenous noise, ``x := f(parents) + U_x``.

    Parameters
    ----------
    equations : mapping of str to equation
        Per variable: a native expression reading its parents with
        ``cl.expr.col("parent")``; a :class:`~causaloid.scm.Linear`; a Python
        function called once per batch with the parents' arrays as arguments
        (named like the parents; a last parameter named ``noise`` receives
        the noise instead of it being added, which makes the variable
        non-invertible); or ``None`` for a linear equation to be fitted.
    edges : iterable of (str, str), optional
        ``(parent, child)`` pairs. Without edges, the parents are read from
        the equations (expression columns, linear coefficients, function
        parameters). Variables that appear only in edges get a linear
        equation to be fitted.
    noise : mapping of str to noise, optional
        :class:`~causaloid.scm.Normal`, :class:`~causaloid.scm.Uniform`,
        :class:`~causaloid.scm.Empirical` or ``None`` (no noise, the default).

    Examples
    --------
    >>> import causaloid as cl
    >>> from causaloid import expr as E
    >>> from causaloid.scm import Normal
    >>> m = cl.SCM(
    ...     {"x": E.lit(0.0), "y": 2.0 * E.col("x") + 1.0},
    ...     noise={"x": Normal(0, 1), "y": Normal(0, 0.5)},
    ... )
    >>> m.order
    ['x', 'y']
    >>> cf = m.counterfactual({"x": 1.0, "y": 3.5}, do={"x": 0.0})
    >>> cf["y"]  # same unit, same noise U_y = 0.5, x set to 0
    1.5
    >>> round(float(m.do({"x": 2.0}).sample(10_000, seed=1)["y"].mean()), 1)
    5.0
    >>> round(m.effect("x", "y", 1.0, 0.0, n=1000, seed=1).effect, 9)
    2.0
    """

    __slots__ = ("_native",)
    _native: Any

    def __init__(
        self,
        equations: Mapping[str, EquationLike],
        edges: Iterable[tuple[str, str]] | None = None,
        noise: Mapping[str, NoiseLike] | None = None,
    ) -> None:
        self._native = _native.Scm(_build_nodes(dict(equations), edges, dict(noise or {})))

    @classmethod
    def _wrap(cls, native: Any) -> SCM:
        m = cls.__new__(cls)
        m._native = native
        return m

    @classmethod
    def from_edges(
        cls,
        edges: Iterable[tuple[str, str]],
        equations: Mapping[str, EquationLike] | None = None,
        noise: Mapping[str, NoiseLike] | None = None,
    ) -> SCM:
        """A model over the DAG ``edges``; variables without an equation are
        linear, to be fitted with :meth:`fit`.

        >>> SCM.from_edges([("a", "b"), ("b", "c")]).edges
        [('a', 'b'), ('b', 'c')]
        """
        return cls(dict(equations or {}), edges=list(edges), noise=noise)

    @classmethod
    def from_networkx(
        cls,
        graph: Any,
        equations: Mapping[str, EquationLike] | None = None,
        noise: Mapping[str, NoiseLike] | None = None,
    ) -> SCM:
        """A model over a networkx ``DiGraph`` (any object with ``nodes`` and
        ``edges`` works; networkx itself is not needed). Node names become
        variable names (as ``str``)."""
        return cls.from_graph(graph, equations, noise)

    @classmethod
    def from_graph(
        cls,
        graph: Any,
        equations: Mapping[str, EquationLike] | None = None,
        noise: Mapping[str, NoiseLike] | None = None,
    ) -> SCM:
        """A model over the structure of a graph: a :class:`~causaloid.CausalGraph`
        (your own, or a discovery pipeline's ``to_graph()``), a networkx
        ``DiGraph``, or an iterable of ``(parent, child)`` edges.

        Node ids become variable names (as ``str``). A node of a
        ``CausalGraph`` that is a collection (a discovered synergistic group)
        stands for its members: each member becomes a parent of the node's
        children. Variables without an equation are linear, to be fitted with
        :meth:`fit`.

        Examples
        --------
        >>> import causaloid as cl
        >>> from causaloid import expr as E
        >>> g = cl.CausalGraph("g", "load drives cpu drives latency")
        >>> for v in ("load", "cpu", "latency"):
        ...     _ = g.add(cl.Causaloid(v, v, expr=E.col(v) > 0.0))
        >>> g.link("load", "cpu"); g.link("cpu", "latency")
        >>> SCM.from_graph(g).edges
        [('load', 'cpu'), ('cpu', 'latency')]
        """
        nodes, edges = _structure(graph)
        eqs: dict[str, EquationLike] = {n: None for n in nodes}
        eqs.update(equations or {})
        return cls(eqs, edges=edges, noise=noise)

    # --- persistence -----------------------------------------------------------
    def to_json(self) -> str:
        """The engine's JSON form of the model: variables, parents, equations
        (expressions in their own JSON form), noise and interventions; numbers
        round-trip exactly. A Python equation is written by name only, so
        :meth:`from_json` needs it back in ``functions``."""
        return str(self._native.to_json())

    @classmethod
    def from_json(cls, text: str, functions: Mapping[str, Callable[..., Any]] | None = None) -> SCM:
        """Read a model written by :meth:`to_json`; ``functions`` gives back
        the Python equations by variable name.

        >>> m = SCM({"x": Linear(1.0)}, noise={"x": Normal(0, 2)})
        >>> SCM.from_json(m.to_json()).equation("x")
        'x := 1 + U_x,  U_x ~ Normal(0, 2)'
        """
        return cls._wrap(_native.Scm.from_json(text, dict(functions or {})))

    def __reduce__(self) -> tuple[Any, ...]:
        # The engine's JSON form, plus the Python equations (pickled by pickle).
        return (_from_state, (self._native.to_json(), dict(self._native.functions())))

    # --- structure -----------------------------------------------------------
    @property
    def variables(self) -> list[str]:
        """The variables, in declaration order."""
        return list(self._native.names())

    @property
    def order(self) -> list[str]:
        """The variables in causal (topological) order."""
        return list(self._native.order())

    @property
    def edges(self) -> list[tuple[str, str]]:
        """Every ``(parent, child)`` edge (hard interventions cut theirs)."""
        return [tuple(e) for e in self._native.edges()]  # type: ignore[misc]

    def parents(self, variable: str) -> list[str]:
        """The parents of ``variable``."""
        return list(self._native.parents(variable))

    def equation(self, variable: str) -> str:
        """The structural equation of ``variable``, printed."""
        return str(self._native.describe(variable))

    def linear_coefficients(self, variable: str) -> tuple[float, dict[str, float]]:
        """``(intercept, {parent: coefficient})`` of a linear variable."""
        kind, detail = self._native.equation(variable)
        if kind != "linear":
            raise EquationError(
                f"the equation of {variable!r} is {kind}, not linear", {"variable": variable}
            )
        intercept, coefs = detail
        return float(intercept), dict(zip(self.parents(variable), map(float, coefs), strict=False))

    def noise(self, variable: str) -> NoiseLike:
        """The noise term of ``variable``."""
        kind, params = self._native.noise(variable)
        if kind == "normal":
            return Normal(*params)
        if kind == "uniform":
            return Uniform(*params)
        if kind == "empirical":
            return Empirical(params)
        return None

    @property
    def interventions(self) -> list[str]:
        """The interventions applied to this model, e.g. ``['x = 1.0']``."""
        return [desc for _, desc, _ in self._native.interventions()]

    def explain(self) -> str:
        """Every structural equation, in causal order, and the interventions."""
        lines = [self._native.describe(v) for v in self._native.order()]
        for _, desc, cut in self._native.interventions():
            edges = ", ".join(f"{a} -> {b}" for a, b in cut) or "none"
            lines.append(f"do({desc}); edges cut: {edges}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        extra = f", do({'; '.join(self.interventions)})" if self.interventions else ""
        return f"SCM({len(self.variables)} variables, {len(self.edges)} edges{extra})"

    # --- rung 2 ----------------------------------------------------------------
    def do(self, interventions: Mapping[str, Intervention]) -> SCM:
        """A new model with the interventions applied; this one is unchanged.

        A number fixes the variable and cuts the edges into it. An expression
        over ``cl.expr.value()`` (the variable's old value) is a soft
        intervention: ``{"dose": E.value() * 0.5}`` halves the dose each unit
        would have taken; the variable keeps its parents.
        """
        return SCM._wrap(self._native.intervene(_actions(interventions)))

    def sample(self, n: int, seed: Seed = None, *, threads: int | None = None) -> SCMTable:
        """``n`` joint samples of every variable, natively (GIL released).

        The same seed gives bit-identical samples on any number of threads
        (``threads``: engine threads for this call only), and a model after
        :meth:`do` reuses the very same noise draws.
        """
        names = self._native.names()
        out = _buffer((len(names), _count(n)))
        with scope(threads):
            used = self._native.sample_into(out, as_seed(seed))
        notes = [f"{n} samples, seed {used}", *self.explain().splitlines()]
        return SCMTable(dict(zip(names, out, strict=False)), notes)

    def effect(
        self,
        treatment: str,
        outcome: str,
        a: float,
        b: float,
        n: int = 100_000,
        seed: Seed = None,
    ) -> EffectEstimate:
        """The average causal effect ``E[outcome | do(treatment=a)] -
        E[outcome | do(treatment=b)]`` with its standard error, from ``n``
        paired samples."""
        eff, se, ma, mb, count, used = self._native.effect(
            treatment, outcome, float(a), float(b), _count(n), as_seed(seed)
        )
        return EffectEstimate(treatment, outcome, float(a), float(b), eff, se, ma, mb, count, used)

    # --- rung 3 ----------------------------------------------------------------
    def counterfactual(
        self,
        observed: Any,
        do: Mapping[str, Intervention] | None = None,
        *,
        strict: bool = False,
        threads: int | None = None,
    ) -> Counterfactual | CounterfactualTable:
        """What each observed unit's variables would have been under ``do``.

        Abduction solves every variable's additive noise from the observation
        (``u = x - f(parents)``), action applies ``do``, prediction recomputes
        the variables downstream with the same noise.

        Parameters
        ----------
        observed : mapping of str to float, or a table
            One unit (a mapping of numbers) or a whole table (dict of arrays,
            pandas, polars, Arrow), each row its own unit; the table form runs
            natively with the GIL released. Every variable must be observed.
        do : mapping of str to float or Expr
            The interventions, as in :meth:`do`.
        strict : bool
            Noise abducted outside the range of an empirical noise
            distribution (the model never saw such noise: the prediction
            extrapolates) raises
            :class:`~causaloid.scm.errors.NoiseOutOfSupportError` instead of
            being flagged in ``noise_in_support``. Noise outside a
            ``Uniform``'s bounds is impossible and always raises
            :class:`~causaloid.scm.errors.NoiseOutOfRangeError`.
        threads : int, optional
            Engine threads for this call only; the configured count
            (:func:`causaloid.set_threads`) when omitted. Never changes the result.

        Returns
        -------
        Counterfactual or CounterfactualTable
            With ``noise_in_support`` (per row) and ``outside_support`` (per
            variable) saying where the abducted noise left its distribution's
            observed range; ``explain()`` warns about it.

        Examples
        --------
        >>> import numpy as np
        >>> import causaloid as cl
        >>> m = cl.SCM.from_edges([("x", "y")]).fit(
        ...     {"x": np.array([0.0, 1.0, 2.0, 3.0]), "y": np.array([0.1, 0.9, 2.1, 2.9])}
        ... )
        >>> cf = m.counterfactual({"x": 1.0, "y": 5.0}, do={"x": 2.0})
        >>> cf.noise_in_support, cf.outside_support
        (False, ['y'])
        """
        single = isinstance(observed, Mapping) and all(np.ndim(v) == 0 for v in observed.values())
        if single:
            table = {str(k): np.array([v], dtype=np.float64) for k, v in observed.items()}
        else:
            table = {
                k: numeric(k, v).astype(np.float64, copy=False)
                for k, v in to_columns(observed).items()
            }
        pairs = [(k, np.ascontiguousarray(v)) for k, v in table.items()]
        names = self._native.names()
        present = [table[k] for k in names if k in table]
        rows = int(present[0].shape[0]) if present else 0
        values = _buffer((len(names), rows))
        noise = _buffer((len(names), rows))
        flags = np.zeros(rows, dtype=bool)
        with scope(threads):
            path, outside, model = self._native.counterfactual_into(
                pairs, _actions(do or {}), bool(strict), values, noise, flags
            )
        m = SCM._wrap(model)
        obs = {k: table[k] for k in names}
        counts = {k: int(c) for k, c in zip(names, outside, strict=False) if c}
        if single:
            return Counterfactual(
                {k: float(v[0]) for k, v in zip(names, values, strict=False)},
                {k: float(v[0]) for k, v in obs.items()},
                {k: float(v[0]) for k, v in zip(names, noise, strict=False)},
                list(path),
                m,
                bool(flags[0]),
                [k for k in m._native.order() if k in counts],
            )
        return CounterfactualTable(
            SCMTable(dict(zip(names, values, strict=False))),
            SCMTable(obs),
            SCMTable(dict(zip(names, noise, strict=False))),
            list(path),
            m,
            flags,
            counts,
        )

    # --- from data -------------------------------------------------------------
    def fit(self, table: Any) -> SCM:
        """A new model fitted to ``table``: least squares (with an intercept)
        for linear variables, and the empirical distribution of the residuals
        as every variable's noise. Other equations keep their form.
        """
        cols = to_columns(table)
        pairs = [
            (k, np.ascontiguousarray(numeric(k, v).astype(np.float64, copy=False)))
            for k, v in cols.items()
        ]
        return SCM._wrap(self._native.fit(pairs))


def _buffer(shape: tuple[int, int]) -> np.ndarray:
    """A zeroed output buffer the engine writes once (pages the OS supplies
    zeroed when first written; large ones as huge pages where available)."""
    try:
        return np.zeros(shape, dtype=np.float64)
    except (MemoryError, ValueError) as exc:  # ValueError: larger than the address space
        raise SCMMemoryError(
            f"cannot allocate {shape[0]} columns of {shape[1]} rows",
            {"rows": shape[1], "columns": shape[0]},
        ) from exc


def _from_state(text: str, functions: dict[str, Callable[..., Any]]) -> SCM:
    return SCM.from_json(text, functions)


def _structure(graph: Any) -> tuple[list[str], list[tuple[str, str]]]:
    """Variable names and ``(parent, child)`` edges of a graph-like object."""
    from causaloid import CausalCollection, CausalGraph

    if isinstance(graph, CausalGraph):
        members = {n: graph[n] for n in graph.nodes}

        def expand(node: Any) -> list[str]:
            m = members.get(node)
            if isinstance(m, CausalCollection):
                return [str(c.id) for c in m.members]
            return [str(node)]

        nodes: list[str] = []
        for n in graph.nodes:
            for v in expand(n):
                if v not in nodes:
                    nodes.append(v)
        edges: list[tuple[str, str]] = []
        for a, b in graph.edges:
            for child in expand(b):
                for parent in expand(a):
                    if (parent, child) not in edges:
                        edges.append((parent, child))
        return nodes, edges
    if hasattr(graph, "nodes") and hasattr(graph, "edges"):
        return [str(n) for n in graph.nodes], [(str(a), str(b)) for a, b in graph.edges]
    edges = [(str(a), str(b)) for a, b in graph]
    nodes = []
    for a, b in edges:
        for v in (a, b):
            if v not in nodes:
                nodes.append(v)
    return nodes, edges


def _count(n: int) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise InvalidArgumentError(
            f"n must be a positive int, got {n!r}", {"parameter": "n", "value": n}
        )
    return int(n)


def _actions(interventions: Mapping[str, Intervention]) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    if not isinstance(interventions, Mapping):
        raise InvalidArgumentError(
            "do must map variable names to numbers or expressions over "
            f"cl.expr.value(); got {type(interventions).__name__}",
            {"parameter": "do"},
        )
    for name, v in interventions.items():
        if isinstance(v, Expr):
            out.append((str(name), v._native))
            continue
        try:
            out.append((str(name), float(v)))
        except (TypeError, ValueError):
            raise InvalidArgumentError(
                f"do[{str(name)!r}] must be a number or an expression over "
                f"cl.expr.value(); got {type(v).__name__} {v!r:.40}",
                {"parameter": "do"},
            ) from None
    return out


def _build_nodes(
    equations: dict[str, EquationLike],
    edges: Iterable[tuple[str, str]] | None,
    noise: dict[str, NoiseLike],
) -> list[tuple[Any, ...]]:
    names: list[str] = list(equations)
    given: dict[str, list[str]] | None = None
    if edges is not None:
        given = {}
        for edge in edges:
            a, b = (str(v) for v in edge)
            for v in (a, b):
                if v not in equations and v not in names:
                    names.append(v)
            given.setdefault(b, []).append(a)
    for v in noise:
        if v not in names:
            from causaloid.scm.errors import UnknownVariableError

            raise UnknownVariableError(
                f"noise given for unknown variable {v!r}", {"variable": v, "available": names}
            )
    nodes = []
    for name in names:
        eq = equations.get(name)
        declared = None if given is None else given.get(name, [])
        if isinstance(eq, Expr):
            parents = declared if declared is not None else list(eq.columns)
            spec: tuple[Any, ...] = ("expr", eq._native)
        elif isinstance(eq, Linear):
            parents = list(eq.coefs)
            if declared is not None and sorted(declared) != sorted(parents):
                raise EquationError(
                    f"the linear equation of {name!r} has coefficients for {parents}, "
                    f"but its parents are {declared}",
                    {"variable": name},
                )
            spec = ("linear", float(eq.intercept), [float(eq.coefs[p]) for p in parents])
        elif eq is None:
            parents = declared or []
            spec = ("unfitted",)
        elif callable(eq):
            params, takes_noise = _callable_params(eq)
            if params is None:
                if declared is None:
                    raise EquationError(
                        f"the function of {name!r} takes *args: give edges to name its parents",
                        {"variable": name},
                    )
                parents = declared
            else:
                parents = params
                if declared is not None and sorted(declared) != sorted(params):
                    raise EquationError(
                        f"the function of {name!r} takes {params}, but its parents are {declared}",
                        {"variable": name},
                    )
            spec = ("python", eq, _name(eq), takes_noise)
        else:
            raise TypeError(
                f"the equation of {name!r} must be a cl.expr expression, a Linear, a "
                f"function or None; got {type(eq).__name__}"
            )
        nodes.append((name, parents, spec, noise_spec(noise.get(name), name)))
    return nodes
