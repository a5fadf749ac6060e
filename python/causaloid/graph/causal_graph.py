"""The :class:`CausalGraph`: causaloids as nodes of a directed acyclic graph."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from causaloid import _native
from causaloid.effect import Effect
from causaloid.graph._base import Causal, Errors, NodeId, check_id

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

    def link(self, source: NodeId, target: NodeId) -> None:
        """Add the edge ``source -> target`` (by node id)."""
        self._native.link(source, target)

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
    ) -> Effect[Any]:
        """Evaluate the sub-graph reachable from ``start``, which receives the
        incoming value. Arguments as in :meth:`evaluate`."""
        return self._run("evaluate_from", (start,), x, value, errors, seed=seed)

    def evaluate_path(
        self,
        source: NodeId,
        target: NodeId,
        x: Any = None,
        *,
        value: Any = None,
        errors: Errors = "raise",
        seed: int | None = None,
    ) -> Effect[Any]:
        """Evaluate the shortest path from ``source`` to ``target``, each node
        receiving the value of the one before."""
        return self._run("evaluate_path", (source, target), x, value, errors, seed=seed)

    def evaluate_single(
        self,
        node: NodeId,
        x: Any = None,
        *,
        value: Any = None,
        errors: Errors = "raise",
        seed: int | None = None,
    ) -> Effect[Any]:
        """Evaluate one node alone."""
        return self._run("evaluate_single", (node,), x, value, errors, seed=seed)

    def evaluate(
        self,
        x: Any = None,
        *,
        value: Any = None,
        errors: Errors = "raise",
        seed: int | None = None,
    ) -> Effect[Any]:
        """Evaluate the whole graph from its roots. See :meth:`Causal.evaluate`."""
        return self._run("evaluate", (), x, value, errors, seed=seed)

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
        state = (self._id, self._description, self.max_relays, members, self.edges, self.is_frozen)
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
) -> CausalGraph:
    g = CausalGraph(id, description, max_relays=max_relays)
    for m in members:
        g.add(m)
    for a, b in edges:
        g.link(a, b)
    if frozen:
        g.freeze()
    return g
