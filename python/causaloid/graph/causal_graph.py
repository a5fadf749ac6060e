"""The :class:`CausalGraph`: causaloids as nodes of a directed acyclic graph."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from causaloid import _native
from causaloid.effect import Effect
from causaloid.graph._base import Causal, Errors, MissingPolicy, NodeId, check_id

if TYPE_CHECKING:
    from causaloid.graph.html import SvgDrawing


class CausalGraph(Causal):
    """Causaloids (of any form) as nodes of a directed acyclic graph.

    Build it with :meth:`add` and :meth:`link`, then :meth:`freeze` it (which
    refuses cycles) and evaluate. Effects propagate along edges in topological
    order; a node with several parents receives the join (or / max) of their
    verdicts; roots receive the incoming value. The graph's verdict is the
    join of the verdicts of the nodes that end the evaluation (its sinks). A
    causal function may return :class:`~causaloid.Relay` to continue at another
    node, at most ``max_relays`` times per evaluation.

    Parameters
    ----------
    id : int or str
        The graph's id, when it is nested in another structure.
    description : str
        What the graph decides, in words.
    max_relays : int
        Bound on relay rounds in one evaluation.

    Examples
    --------
    >>> from causaloid import Causaloid, expr as E
    >>> g = CausalGraph("alarm", "fire alarm")
    >>> smoke = g.add(Causaloid("smoke", "smoke detected", expr=E.col("smoke") > 0.3))
    >>> heat = g.add(Causaloid("heat", "heat detected", expr=E.col("temp") > 60))
    >>> fire = g.add(Causaloid("fire", "fire if smoke or heat", expr=E.value()))
    >>> g.link(smoke, fire); g.link(heat, fire)
    >>> _ = g.freeze()
    >>> g.evaluate({"smoke": 0.1, "temp": 75.0}).value
    True
    >>> g.evaluate_batch({"smoke": [0.1, 0.5, 0.0], "temp": [20.0, 20.0, 90.0]})
    array([False,  True,  True])
    """

    def __init__(
        self, id: NodeId = "graph", description: str = "", *, max_relays: int = 64
    ) -> None:
        self._id = check_id(id)
        self._description = str(description)
        self._native = _native.Graph(self._id, self._description)
        if (
            isinstance(max_relays, bool)
            or not isinstance(max_relays, int)
            or not 0 <= max_relays <= 2**32
        ):
            from causaloid.errors import InvalidArgumentError

            raise InvalidArgumentError(
                f"max_relays must be a whole number in 0 .. 2**32, got {max_relays!r:.40}",
                {"parameter": "max_relays"},
            )
        self._native.set_max_relays(max_relays)
        self._members: dict[NodeId, Causal] = {}

    @classmethod
    def _from_native(cls, native: Any) -> CausalGraph:
        """Wraps a native graph (read by the engine) and its nodes."""
        from causaloid.graph._json import wrap

        g = cls.__new__(cls)
        g._id = native.id
        g._description = native.description
        g._native = native
        g._members = {i: wrap(native.node(i)) for i in native.node_ids()}
        return g

    # --- building ---
    def add(self, member: Causal) -> NodeId:
        """Add a node (a Causaloid, CausalCollection or frozen CausalGraph).

        Returns its id, for :meth:`link`. The member is copied: changing a
        graph after adding it does not change this one.
        """
        if not isinstance(member, Causal):
            raise TypeError(
                "add() takes a Causaloid, CausalCollection or CausalGraph, "
                f"got {type(member).__name__}"
            )
        node_id = self._native.add(member._member())
        self._members[node_id] = member
        return node_id

    def link(self, source: NodeId, target: NodeId, *, transform: Any = None) -> None:
        """Add the edge ``source -> target`` (by node id).

        Parameters
        ----------
        transform : cl.expr.Expr, optional
            An expression over the parent's value (``cl.expr.value()``) that
            the child receives instead of it: in its join, in ``value()`` and
            in ``cl.expr.node(source)``. It may read columns and contexts, not
            other nodes. Freezing compiles it into a hidden node called
            ``"source -> target"`` (see ``docs/graph.md``).

        Examples
        --------
        >>> import causaloid as cl
        >>> g = cl.CausalGraph("g")
        >>> a = g.add(cl.Causaloid("a", "reading", expr=cl.expr.col("x")))
        >>> b = g.add(cl.Causaloid("b", "doubled above 5", expr=cl.expr.value() > 5))
        >>> g.link(a, b, transform=cl.expr.value() * 2)
        >>> g.freeze().evaluate({"x": 3.0}).value
        True
        """
        if transform is None:
            self._native.link(source, target)
        else:
            self._native.link_with(source, target, _native_expr(transform))

    def set_transform(self, source: NodeId, target: NodeId, transform: Any) -> None:
        """Set (or with ``None`` remove) the transform of an existing edge."""
        self._native.set_transform(
            source, target, None if transform is None else _native_expr(transform)
        )

    @property
    def transforms(self) -> dict[tuple[NodeId, NodeId], Any]:
        """Edge transforms by ``(source, target)``."""
        from causaloid.expr.expression import _wrap

        return {(a, b): _wrap(e) for a, b, e in self._native.transforms()}

    # --- state ---
    def add_state(self, name: str, initial: float = 0.0, *, writer: NodeId | None = None) -> None:
        """Declare the graph state ``name``: a number carried from one
        evaluation to the next. Nodes read it with ``cl.expr.state(name)``;
        exactly one node writes it (``writer`` here, or :meth:`write_state`):
        what that node decides on a row is the state the next row reads.
        Freezing refuses a state with no writer or two writers
        (:class:`~causaloid.errors.StateError`).
        """
        if not isinstance(name, str):
            raise TypeError(f"state name must be a str, got {type(name).__name__}")
        self._native.add_state(name, _finite(initial, "initial"))
        if writer is not None:
            self._native.write_state(name, writer)

    def write_state(self, name: str, node: NodeId) -> None:
        """Make ``node`` write state ``name`` (one writer per state)."""
        self._native.write_state(str(name), node)

    @property
    def states(self) -> dict[str, float]:
        """Declared states and their initial values."""
        return dict(self._native.states())

    @property
    def state_writers(self) -> dict[str, list[NodeId]]:
        """The nodes writing each state."""
        out: dict[str, list[NodeId]] = {}
        for name, node in self._native.writers():
            out.setdefault(name, []).append(node)
        return out

    def _state_row(self, row: Any, state: Mapping[str, float] | None) -> Any:
        """The row with the state columns a stateful graph reads filled in."""
        states = self.states
        if not states:
            if state:
                raise _state_error(f"graph {self._id!r} declares no state", "")
            return row
        values = _state_values(states, state)
        cells = {f"state:{k}": v for k, v in zip(states, values, strict=False)}
        if row is None:
            return cells
        if isinstance(row, Mapping) or hasattr(row, "keys"):
            return {**cells, **{k: row[k] for k in row.keys()}}
        return row

    def _run(
        self,
        how: str,
        args: tuple[Any, ...],
        x: Any,
        value: Any,
        errors: Errors,
        *,
        seed: int | None = None,
        engine: Any = None,
        missing: MissingPolicy = "raise",
    ) -> Effect[Any]:
        if self._native.states():
            if x is None or isinstance(x, Mapping) or hasattr(x, "keys"):
                x = self._state_row(x, None)
            else:
                value, x = x, self._state_row(None, None)
        return super()._run(how, args, x, value, errors, seed=seed, engine=engine, missing=missing)

    def _batch(
        self,
        member: Any,
        table: Any,
        value: Any,
        activations: bool,
        missing: MissingPolicy = "raise",
        *,
        seed: Any = None,
    ) -> Any:
        states = self.states
        if states:
            from causaloid._table import to_columns

            cols = to_columns(table)
            if not all(f"state:{k}" in cols for k in states):
                if activations:
                    from causaloid.errors import InvalidArgumentError

                    raise InvalidArgumentError(
                        "a stateful graph runs a batch as a sequence, which has no "
                        "activations; use evaluate_sequence(...).effects",
                        {"parameter": "activations"},
                    )
                graph = member.as_graph() if hasattr(member, "as_graph") else member
                return _sequence(self, graph, cols, value, None).values
        return super()._batch(member, table, value, activations, missing, seed=seed)

    def evaluate_sequence(
        self, table: Any, *, value: Any = None, state: Mapping[str, float] | None = None
    ) -> Sequence:
        """Evaluate the rows of ``table`` in order, threading the graph state.

        Row ``r`` reads the state the writers decided on row ``r - 1`` (row 0
        reads ``state``, or the initial values): a Markovian process as a
        graph. The engine runs the whole sequence; a failing row raises its
        error (a verdict error names the row).

        Parameters
        ----------
        table : mapping of arrays, DataFrame or Arrow table
            One row per step, in order; the state columns are not needed.
        value : str or array-like, optional
            The incoming value of each row.
        state : mapping of str to float, optional
            The state before the first row (default: the initial values).

        Returns
        -------
        Sequence
            ``values`` (per row), ``states`` (each state after each row),
            ``final_state`` and ``effects`` (one explainable Effect per row).

        Examples
        --------
        >>> import causaloid as cl
        >>> g = cl.CausalGraph("tank")
        >>> level = g.add(cl.Causaloid("level", "level after inflow",
        ...     expr=cl.expr.state("level") + cl.expr.col("inflow")))
        >>> full = g.add(cl.Causaloid("full", "above 2", expr=cl.expr.value() > 2))
        >>> g.link(level, full)
        >>> g.add_state("level", 0.0, writer=level)
        >>> seq = g.freeze().evaluate_sequence({"inflow": [1.0, 1.0, 1.0]})
        >>> seq.values
        array([False, False,  True])
        >>> seq.final_state
        {'level': 3.0}
        """
        from causaloid._table import to_columns

        self._native.columns  # noqa: B018  (raises NotFrozenError early)
        return _sequence(self, self._native, to_columns(table), value, state)

    def unlink(self, source: NodeId, target: NodeId) -> None:
        """Remove the edge ``source -> target``."""
        self._native.unlink(source, target)

    def freeze(self) -> CausalGraph:
        """Check the graph is a non-empty DAG and prepare it for evaluation.

        Raises :class:`~causaloid.errors.CycleError` (with the ids along the
        cycle) and leaves the graph unchanged when it is not acyclic.
        """
        self._native.freeze()
        return self

    def unfreeze(self) -> CausalGraph:
        """Allow changes again (evaluation needs another :meth:`freeze`)."""
        self._native.unfreeze()
        return self

    @property
    def is_frozen(self) -> bool:
        """Whether the graph is frozen (ready to evaluate, closed to changes)."""
        return bool(self._native.is_frozen)

    @property
    def max_relays(self) -> int:
        """Bound on relay rounds in one evaluation."""
        return int(self._native.max_relays)

    # --- reading the structure ---
    @property
    def nodes(self) -> list[NodeId]:
        """Node ids in insertion order."""
        return list(self._native.node_ids())

    @property
    def edges(self) -> list[tuple[NodeId, NodeId]]:
        """Edges as (source, target) pairs."""
        return list(self._native.edges())

    def parents(self, node: NodeId) -> list[NodeId]:
        """Ids of the node's parents."""
        return list(self._native.parents(node))

    def children(self, node: NodeId) -> list[NodeId]:
        """Ids of the node's children."""
        return list(self._native.children(node))

    def __getitem__(self, node: NodeId) -> Causal:
        if node not in self._members:
            self._native.node(node)  # raises UnknownNodeError naming the id
        return self._members[node]

    def __contains__(self, node: object) -> bool:
        return node in self._members

    def __len__(self) -> int:
        return len(self._members)

    def __iter__(self) -> Iterator[NodeId]:
        return iter(self.nodes)

    @property
    def columns(self) -> list[str]:
        """Columns an observation must have (needs a frozen graph)."""
        return list(self._native.columns)

    def _member(self) -> Any:
        return self._native.as_member()

    def _engine(self) -> Any:
        return self._native

    # --- evaluating ---
    def evaluate_from(
        self,
        start: NodeId,
        x: Any = None,
        *,
        value: Any = None,
        errors: Errors = "raise",
        seed: int | None = None,
        missing: MissingPolicy = "raise",
    ) -> Effect[Any]:
        """Evaluate the sub-graph reachable from ``start``, which receives the
        incoming value. Arguments as in :meth:`evaluate`."""
        return self._run("evaluate_from", (start,), x, value, errors, seed=seed, missing=missing)

    def evaluate_path(
        self,
        source: NodeId,
        target: NodeId,
        x: Any = None,
        *,
        value: Any = None,
        errors: Errors = "raise",
        seed: int | None = None,
        missing: MissingPolicy = "raise",
    ) -> Effect[Any]:
        """Evaluate the shortest path from ``source`` to ``target``, each node
        receiving the value of the one before."""
        return self._run(
            "evaluate_path", (source, target), x, value, errors, seed=seed, missing=missing
        )

    def evaluate_single(
        self,
        node: NodeId,
        x: Any = None,
        *,
        value: Any = None,
        errors: Errors = "raise",
        seed: int | None = None,
        missing: MissingPolicy = "raise",
    ) -> Effect[Any]:
        """Evaluate one node alone."""
        return self._run("evaluate_single", (node,), x, value, errors, seed=seed, missing=missing)

    def evaluate(
        self,
        x: Any = None,
        *,
        value: Any = None,
        errors: Errors = "raise",
        seed: int | None = None,
        missing: MissingPolicy = "raise",
    ) -> Effect[Any]:
        """Evaluate the whole graph from its roots. See :meth:`Causal.evaluate`."""
        return self._run("evaluate", (), x, value, errors, seed=seed, missing=missing)

    def plot(self, effect: Effect[Any] | None = None, ax: Any = None) -> Any:
        """Draw the graph in layers by causal depth (needs matplotlib).

        Parameters
        ----------
        effect : Effect, optional
            The result of :meth:`evaluate`; each node is then coloured by its
            verdict (red false / 0, green true / 1) and labelled with it.
        ax : matplotlib Axes, optional
            Where to draw; a new figure when omitted.

        Returns
        -------
        matplotlib.axes.Axes
        """
        from causaloid.graph.plot import plot_graph

        return plot_graph(self, effect, ax)

    # --- persistence ---
    def to_json(self) -> str:
        """The documented JSON form (see ``docs/graph.md``), frozen or not."""
        return str(self._native.to_json())

    @classmethod
    def from_json(cls, text: str, contexts: Any = None) -> CausalGraph:
        """Read a graph written by :meth:`to_json`.

        ``contexts`` (a Context or a list of them) replace the copies the
        document embeds, so later updates to them are seen; a context the
        document names but neither embeds nor is given raises
        :class:`~causaloid.context.errors.UnknownContextError`.
        """
        from causaloid.graph._json import graph_from_json

        return graph_from_json(text, contexts)

    # --- networkx and Graphviz (see causaloid.graph.networkx) ---
    def to_networkx(self) -> Any:
        """The graph as a ``networkx.DiGraph`` (see :mod:`causaloid.graph.networkx`)."""
        from causaloid.graph.networkx import to_networkx

        return to_networkx(self)

    @classmethod
    def from_networkx(cls, nx_graph: Any, id: Any = None, **kwargs: Any) -> CausalGraph:
        """A graph from a networkx ``DiGraph`` (see :mod:`causaloid.graph.networkx`)."""
        from causaloid.graph.networkx import from_networkx

        return from_networkx(nx_graph, id, **kwargs)

    def to_dot(self) -> str:
        """The graph in Graphviz DOT (see :func:`causaloid.graph.networkx.to_dot`)."""
        from causaloid.graph.networkx import to_dot

        return to_dot(self)

    def to_svg(self, effect: Effect[Any] | None = None) -> SvgDrawing:
        """An SVG drawing of the graph, in layers by causal depth.

        Pure Python: no Graphviz or matplotlib needed. With ``effect`` (what
        :meth:`evaluate` returned), each node is filled by its verdict (green
        active, red inactive, grey not evaluated) and labelled with it, and a
        legend explains the colours.

        Parameters
        ----------
        effect : Effect, optional
            An evaluation of this graph.

        Returns
        -------
        SvgDrawing
            The SVG document, a ``str``; Jupyter renders it as a picture, and
            ``pathlib.Path("g.svg").write_text(drawing)`` saves it.

        Examples
        --------
        >>> import causaloid as cl
        >>> from causaloid import expr as E
        >>> g = cl.CausalGraph("g")
        >>> _ = g.add(cl.Causaloid("hot", "hot", expr=E.col("t") > 60)); _ = g.freeze()
        >>> svg = g.to_svg(g.evaluate({"t": 75}))
        >>> svg.startswith("<svg") and ">hot = true<" in svg
        True
        """
        from causaloid.graph.html import SvgDrawing, graph_svg

        return SvgDrawing(graph_svg(self, effect))

    def _repr_html_(self) -> str:
        """Jupyter display: summary, SVG drawing and node table (see :mod:`causaloid._html`)."""
        from causaloid.graph.html import graph_html

        return graph_html(self)

    def __reduce__(self) -> tuple[Any, ...]:
        members = [self._members[i] for i in self.nodes]
        transforms = {k: v for k, v in self.transforms.items()}
        states = (self.states, self.state_writers)
        state = (
            self._id,
            self._description,
            self.max_relays,
            members,
            self.edges,
            self.is_frozen,
            transforms,
            states,
        )
        return (_rebuild, state)

    def __repr__(self) -> str:
        state = "frozen" if self.is_frozen else "not frozen"
        return f"CausalGraph({self._id!r}, {len(self)} nodes, {len(self.edges)} edges, {state})"


def _rebuild(
    id: NodeId,
    description: str,
    max_relays: int,
    members: list[Causal],
    edges: list[tuple[NodeId, NodeId]],
    frozen: bool,
    transforms: dict[tuple[NodeId, NodeId], Any] | None = None,
    states: tuple[dict[str, float], dict[str, list[NodeId]]] | None = None,
) -> CausalGraph:
    g = CausalGraph(id, description, max_relays=max_relays)
    for m in members:
        g.add(m)
    for a, b in edges:
        g.link(a, b, transform=(transforms or {}).get((a, b)))
    initial, writers = states or ({}, {})
    for name, x in initial.items():
        g.add_state(name, x)
        for w in writers.get(name, []):
            g.write_state(name, w)
    if frozen:
        g.freeze()
    return g


@dataclass(frozen=True)
class Sequence:
    """The result of :meth:`CausalGraph.evaluate_sequence`.

    Attributes
    ----------
    values : numpy.ndarray
        What the graph decided on each row (bool or float).
    states : dict of str to numpy.ndarray
        Each state after each row.
    final_state : dict of str to float
        The state after the last row (pass it as ``state=`` to continue).
    effects : list of Effect
        One Effect per row; ``effects[r].explain()`` says why row ``r`` decided
        what it did, the state it read included.
    """

    values: Any
    states: dict[str, Any]
    final_state: dict[str, float]
    effects: list[Effect[Any]] = field(repr=False)

    def explain(self, row: int) -> str:
        """The explanation of row ``row``."""
        return self.effects[row].explain()

    def __len__(self) -> int:
        return len(self.values)


def _finite(x: Any, what: str) -> float:
    import math

    try:
        v = float(x)
    except (TypeError, ValueError):
        raise _state_error(f"{what} must be a number, got {x!r:.40}", "") from None
    if isinstance(x, bool) or not math.isfinite(v):
        raise _state_error(f"{what} must be a finite number, got {x!r:.40}", "")
    return v


def _state_error(message: str, name: str) -> Exception:
    from causaloid.errors import StateError

    return StateError(message, {"state": name})


def _state_values(states: dict[str, float], given: Mapping[str, float] | None) -> list[float]:
    if given is None:
        return list(states.values())
    if not isinstance(given, Mapping):
        raise TypeError(
            f"state must be a mapping of state name to number, got {type(given).__name__}"
        )
    unknown = [k for k in given if k not in states]
    if unknown:
        raise _state_error(
            f"unknown state {unknown[0]!r} (declared: {', '.join(states) or 'none'})",
            str(unknown[0]),
        )
    return [_finite(given.get(k, v), f"state {k!r}") for k, v in states.items()]


def _sequence(
    graph: CausalGraph, native: Any, cols: dict[str, Any], value: Any, state: Any
) -> Sequence:
    from causaloid._table import n_rows, numeric
    from causaloid.errors import ShapeError, UnknownColumnError

    names = list(native.sequence_columns)
    missing = [c for c in names if c not in cols]
    if missing:
        raise UnknownColumnError(
            f"unknown column {missing[0]!r} (available: {', '.join(list(cols)[:12])})",
            {"column": missing[0], "available": list(cols)},
        )
    arrays = [np.ascontiguousarray(numeric(c, cols[c]), dtype=np.float64) for c in names]
    values = None
    value_is_bool = False
    if value is not None:
        raw = cols[value] if isinstance(value, str) else value
        arr = numeric("value", np.asarray(raw))
        if arr.ndim != 1:
            raise ShapeError(f"value must be one-dimensional, got shape {arr.shape}")
        value_is_bool = arr.dtype == np.bool_
        values = np.ascontiguousarray(arr, dtype=np.float64)
    n = n_rows(cols) if cols else (0 if values is None else len(values))
    states = graph.states
    start = _state_values(states, state)
    hosts: list[Any] = []
    if graph._member().has_callables:
        # Python callables see one row at a time, as in evaluate().
        hosts = [{k: _cell(c, r) for k, c in cols.items()} for r in range(n)]
    out, per_state, final, evaluations = native.evaluate_sequence(
        arrays, n, values, value_is_bool, hosts, start
    )
    return Sequence(
        values=out,
        states=dict(zip(states, per_state, strict=False)),
        final_state=dict(zip(states, final, strict=False)),
        effects=[Effect._from_evaluation(e) for e in evaluations],
    )


def _cell(column: Any, r: int) -> Any:
    x = column[r]
    return x.item() if hasattr(x, "item") else x


def _native_expr(transform: Any) -> Any:
    from causaloid.expr.expression import Expr

    if not isinstance(transform, Expr):
        raise TypeError(f"transform must be a cl.expr expression, got {type(transform).__name__}")
    return transform._native
