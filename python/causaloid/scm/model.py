"""The :class:`SCM`: a structural causal model evaluated by the engine."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Union

import numpy as np

from causaloid import _native
from causaloid._table import numeric, to_columns
from causaloid._threads import scope
from causaloid.expr import Expr
from causaloid.scm.errors import EquationError
from causaloid.scm.noise import Empirical, Linear, NoiseLike, Normal, Uniform, noise_spec
from causaloid.scm.results import Counterfactual, CounterfactualTable, EffectEstimate, SCMTable

EquationLike = Union[Expr, Linear, Callable[..., Any], None]
Intervention = Union[float, Expr]


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
        nodes = [str(n) for n in graph.nodes]
        edges = [(str(a), str(b)) for a, b in graph.edges]
        eqs: dict[str, EquationLike] = {n: None for n in nodes}
        eqs.update(equations or {})
        return cls(eqs, edges=edges, noise=noise)

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
        return float(intercept), dict(zip(self.parents(variable), map(float, coefs)))

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

    def sample(self, n: int, seed: int | None = None, *, threads: int | None = None) -> SCMTable:
        """``n`` joint samples of every variable, natively (GIL released).

        The same seed gives bit-identical samples on any number of threads
        (``threads``: engine threads for this call only), and a model after
        :meth:`do` reuses the very same noise draws.
        """
        with scope(threads):
            cols, used = self._native.sample(_count(n), seed)
        notes = [f"{n} samples, seed {used}", *self.explain().splitlines()]
        return SCMTable(dict(zip(self._native.names(), cols)), notes)

    def effect(
        self,
        treatment: str,
        outcome: str,
        a: float,
        b: float,
        n: int = 100_000,
        seed: int | None = None,
    ) -> EffectEstimate:
        """The average causal effect ``E[outcome | do(treatment=a)] -
        E[outcome | do(treatment=b)]`` with its standard error, from ``n``
        paired samples."""
        eff, se, ma, mb, count, used = self._native.effect(
            treatment, outcome, float(a), float(b), _count(n), seed
        )
        return EffectEstimate(treatment, outcome, float(a), float(b), eff, se, ma, mb, count, used)

    # --- rung 3 ----------------------------------------------------------------
    def counterfactual(
        self,
        observed: Any,
        do: Mapping[str, Intervention] | None = None,
        *,
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
        threads : int, optional
            Engine threads for this call only; the configured count
            (:func:`causaloid.set_threads`) when omitted. Never changes the result.

        Returns
        -------
        Counterfactual or CounterfactualTable
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
        with scope(threads):
            values, noise, path, model = self._native.counterfactual(pairs, _actions(do or {}))
        names = self._native.names()
        m = SCM._wrap(model)
        obs = {k: table[k] for k in names}
        if single:
            return Counterfactual(
                {k: float(v[0]) for k, v in zip(names, values)},
                {k: float(v[0]) for k, v in obs.items()},
                {k: float(v[0]) for k, v in zip(names, noise)},
                list(path),
                m,
            )
        return CounterfactualTable(
            SCMTable(dict(zip(names, values))),
            SCMTable(obs),
            SCMTable(dict(zip(names, noise))),
            list(path),
            m,
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


def _count(n: int) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        from causaloid.errors import InvalidArgumentError

        raise InvalidArgumentError(
            f"n must be a positive int, got {n!r}", {"parameter": "n", "value": n}
        )
    return int(n)


def _actions(interventions: Mapping[str, Intervention]) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for name, v in interventions.items():
        out.append((str(name), v._native if isinstance(v, Expr) else v))
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
