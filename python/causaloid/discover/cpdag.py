"""``CPDAG``: a learned causal graph, with the edges every member of its Markov
equivalence class shares (directed) and those they orient differently
(undirected). It converts to networkx, DOT, JSON, the adjacency CSV of
``examples/data/sock-shop/*/cpdag.csv``, and, once oriented, a
:class:`~causaloid.CausalGraph`."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from causaloid import _native
from causaloid._frames import Columns, Tabular
from causaloid.discover.errors import DiscoverValueError, UnorientedEdgeError
from causaloid.errors import UnknownNodeError

Edge = tuple[str, str]


def _dot_id(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass(frozen=True)
class CPDAG(Tabular):
    """A partially directed acyclic graph over named nodes.

    Build one with :func:`causaloid.discover.pc`, :meth:`from_edges` or
    :meth:`from_csv`.

    Attributes
    ----------
    nodes : tuple of str
        Node names, in column order.
    directed : tuple of (str, str)
        Edges ``(a, b)`` meaning ``a -> b``, sorted by node position.
    undirected : tuple of (str, str)
        Edges ``a - b``, sorted by node position (``a`` before ``b``).
    sepsets : dict of (str, str) to tuple of str
        For a learned graph, the separating set of each non-adjacent pair.
    tests : int
        For a graph learned by :func:`~causaloid.discover.pc`, how many
        independence tests ran.
    score : float or None
        For a graph learned by :func:`~causaloid.discover.ges` or
        :func:`~causaloid.discover.boss`, its score (BIC or BDeu).
    order : tuple of str
        For a graph learned by :func:`~causaloid.discover.boss`, the best
        variable order found.
    pvalues : dict of (str, str) to float
        For a graph learned by :func:`~causaloid.discover.pcmci`, the MCI
        p-value of every tested link ``(source, target)``.
    rows_used, rows_dropped : int or None, int
        For a learned graph, the rows (samples, for a time-lagged one) it was
        learned from, and those left out for a missing value
        (``missing="drop"``; 0 otherwise).

    ``edges`` lists the directed edges and :meth:`parents` the direct causes of
    a node, so a CPDAG can be passed wherever a graph of (source, target) pairs
    is read, for example as ``graph=`` of :func:`~causaloid.discover.root_causes`.

    Examples
    --------
    >>> import causaloid as cl
    >>> g = cl.discover.CPDAG.from_edges(["a", "b", "c"], directed=[("a", "c"), ("b", "c")])
    >>> g.parents("c"), g.is_dag
    (['a', 'b'], True)
    >>> chain = cl.discover.CPDAG.from_edges(["a", "b", "c"], undirected=[("a", "b"), ("b", "c")])
    >>> len(chain.dags())  # a->b->c, a<-b<-c, a<-b->c
    3
    """

    nodes: tuple[str, ...]
    directed: tuple[Edge, ...] = ()
    undirected: tuple[Edge, ...] = ()
    sepsets: dict[Edge, tuple[str, ...]] = field(default_factory=dict, compare=False, repr=False)
    tests: int = field(default=0, compare=False, repr=False)
    score: float | None = field(default=None, compare=False, repr=False)
    pvalues: dict[Edge, float] = field(default_factory=dict, compare=False, repr=False)
    order: tuple[str, ...] = field(default=(), compare=False, repr=False)
    rows_used: int | None = field(default=None, compare=False, repr=False)
    rows_dropped: int = field(default=0, compare=False, repr=False)

    # --- building ---------------------------------------------------------------
    @classmethod
    def from_edges(
        cls,
        nodes: Sequence[str],
        directed: Iterable[Edge] = (),
        undirected: Iterable[Edge] = (),
    ) -> CPDAG:
        """A graph from node names and edge lists.

        Raises :class:`~causaloid.errors.UnknownNodeError` for an edge naming
        an unknown node and :class:`~causaloid.discover.errors.DiscoverValueError`
        for a duplicate node, a self-loop or a pair joined twice.
        """
        names = [str(n) for n in nodes]
        if len(set(names)) != len(names):
            raise DiscoverValueError("node names must be distinct", {"parameter": "nodes"})
        index = {n: i for i, n in enumerate(names)}

        def pos(edge: Iterable[Any]) -> tuple[int, int]:
            a, b = tuple(edge)
            for node in (a, b):
                if node not in index:
                    raise UnknownNodeError(f"edge names unknown node {node!r}", {"node_id": node})
            return index[a], index[b]

        d = [pos(e) for e in directed]
        u = [pos(e) for e in undirected]
        return cls._from_positions(names, d, u)

    @classmethod
    def from_dag(cls, nodes: Sequence[str], edges: Iterable[Edge]) -> CPDAG:
        """The CPDAG of a DAG: the edges of its colliders and those Meek's
        rules then compel stay directed, the others become undirected.

        Examples
        --------
        >>> import causaloid as cl
        >>> g = cl.discover.CPDAG.from_dag("abcd", [("a", "c"), ("b", "c"), ("c", "d")])
        >>> g.directed, g.undirected
        ((('a', 'c'), ('b', 'c'), ('c', 'd')), ())
        >>> cl.discover.CPDAG.from_dag("ab", [("a", "b")]).undirected
        (('a', 'b'),)
        """
        dag = cls.from_edges(nodes, directed=edges)
        d, _ = dag._positions()
        directed, undirected = _native.cpdag_of_dag(len(dag.nodes), d)
        return cls._from_positions(dag.nodes, directed, undirected)

    @classmethod
    def _from_positions(
        cls,
        names: Sequence[str],
        directed: Sequence[tuple[int, int]],
        undirected: Sequence[tuple[int, int]],
        sepsets: dict[Edge, tuple[str, ...]] | None = None,
        tests: int = 0,
    ) -> CPDAG:
        seen: set[tuple[int, int]] = set()
        for a, b in [*directed, *undirected]:
            if a == b:
                raise DiscoverValueError(
                    f"self-loop on {names[a]!r}", {"parameter": "edges", "node_id": names[a]}
                )
            key = (min(a, b), max(a, b))
            if key in seen:
                raise DiscoverValueError(
                    f"{names[a]!r} and {names[b]!r} are joined twice",
                    {"parameter": "edges"},
                )
            seen.add(key)
        d = sorted(directed, key=lambda e: (min(e), max(e)))
        u = sorted((min(e), max(e)) for e in undirected)
        return cls(
            nodes=tuple(names),
            directed=tuple((names[a], names[b]) for a, b in d),
            undirected=tuple((names[a], names[b]) for a, b in u),
            sepsets=dict(sepsets or {}),
            tests=tests,
        )

    def _positions(self) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        index = {n: i for i, n in enumerate(self.nodes)}
        return (
            [(index[a], index[b]) for a, b in self.directed],
            [(index[a], index[b]) for a, b in self.undirected],
        )

    # --- reading ----------------------------------------------------------------
    @property
    def edges(self) -> list[Edge]:
        """The directed edges as (source, target) pairs."""
        return list(self.directed)

    @property
    def is_dag(self) -> bool:
        """Whether every edge is directed."""
        return not self.undirected

    def _check(self, node: str) -> None:
        if node not in self.nodes:
            raise UnknownNodeError(f"unknown node {node!r}", {"node_id": node})

    def parents(self, node: str) -> list[str]:
        """Nodes with a directed edge into ``node``."""
        self._check(node)
        return [a for a, b in self.directed if b == node]

    def children(self, node: str) -> list[str]:
        """Nodes a directed edge from ``node`` points to."""
        self._check(node)
        return [b for a, b in self.directed if a == node]

    def neighbors(self, node: str) -> list[str]:
        """Nodes joined to ``node`` by an undirected edge."""
        self._check(node)
        return [b if a == node else a for a, b in self.undirected if node in (a, b)]

    def __iter__(self) -> Iterator[Edge]:
        return iter(self.directed)

    def __len__(self) -> int:
        return len(self.directed) + len(self.undirected)

    def __str__(self) -> str:
        head = (
            f"CPDAG: {len(self.nodes)} nodes, {len(self.directed)} directed and "
            f"{len(self.undirected)} undirected edges"
        )
        if self.rows_dropped:
            head += (
                f" (learned from {self.rows_used} rows, {self.rows_dropped} dropped "
                "for missing values)"
            )
        lines = [head]
        lines += [f"  {a} --> {b}" for a, b in self.directed]
        lines += [f"  {a} --- {b}" for a, b in self.undirected]
        return "\n".join(lines)

    # --- equivalence class ------------------------------------------------------
    def dags(self, limit: int = 100) -> list[CPDAG]:
        """Up to ``limit`` DAGs of the Markov equivalence class: each way to
        orient the undirected edges that makes no cycle and no new collider.

        The search runs natively, depth first, so the order is deterministic.

        Examples
        --------
        >>> import causaloid as cl
        >>> g = cl.discover.CPDAG.from_edges(["x", "y"], undirected=[("x", "y")])
        >>> [d.directed for d in g.dags()]
        [(('x', 'y'),), (('y', 'x'),)]
        """
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
            raise DiscoverValueError(
                f"limit must be an integer >= 0, got {limit!r}", {"parameter": "limit"}
            )
        d, u = self._positions()
        found = _native.cpdag_dags(len(self.nodes), d, u, limit)
        return [CPDAG._from_positions(self.nodes, dag, []) for dag in found]

    def shd(self, other: CPDAG) -> int:
        """Structural Hamming distance to ``other`` (same nodes, any order):
        the number of node pairs joined differently — an edge missing, extra,
        or with other marks.

        Examples
        --------
        >>> import causaloid as cl
        >>> truth = cl.discover.CPDAG.from_edges("abc", directed=[("a", "b"), ("b", "c")])
        >>> learned = cl.discover.CPDAG.from_edges("abc", undirected=[("a", "b")])
        >>> truth.shd(learned)
        2
        """
        if set(other.nodes) != set(self.nodes):
            raise DiscoverValueError("the two graphs have different nodes", {"parameter": "other"})
        mine = self._positions()
        aligned = CPDAG.from_edges(self.nodes, other.directed, other.undirected)
        return int(_native.cpdag_shd(len(self.nodes), mine, aligned._positions()))

    # --- conversions ------------------------------------------------------------
    def to_networkx(self) -> Any:
        """A ``networkx.DiGraph``: each directed edge once, each undirected
        edge as two opposite arcs marked ``undirected=True``."""
        from causaloid._optional import require

        nx = require("networkx", "to_networkx()")
        g = nx.DiGraph()
        g.add_nodes_from(self.nodes)
        for a, b in self.directed:
            g.add_edge(a, b, undirected=False)
        for a, b in self.undirected:
            g.add_edge(a, b, undirected=True)
            g.add_edge(b, a, undirected=True)
        return g

    def to_dot(self, name: str = "cpdag") -> str:
        """The graph in Graphviz DOT; undirected edges are drawn without arrowheads.

        Examples
        --------
        >>> import causaloid as cl
        >>> print(cl.discover.CPDAG.from_edges(["a", "b"], directed=[("a", "b")]).to_dot())
        digraph "cpdag" {
          "a";
          "b";
          "a" -> "b";
        }
        """
        lines = [f"digraph {_dot_id(name)} {{"]
        lines += [f"  {_dot_id(n)};" for n in self.nodes]
        lines += [f"  {_dot_id(a)} -> {_dot_id(b)};" for a, b in self.directed]
        lines += [f"  {_dot_id(a)} -> {_dot_id(b)} [dir=none];" for a, b in self.undirected]
        lines.append("}")
        return "\n".join(lines) + "\n"

    def _columns(self) -> Columns:
        """The edge table of ``to_frame``/``to_polars``/``to_arrow``: ``source``,
        ``target`` and ``kind`` (``"directed"`` or ``"undirected"``), one row an
        edge, directed edges first.

        Examples
        --------
        >>> import causaloid as cl
        >>> g = cl.discover.CPDAG.from_edges(["a", "b", "c"], [("a", "b")], [("b", "c")])
        >>> g.to_polars().rows()
        [('a', 'b', 'directed'), ('b', 'c', 'undirected')]
        """
        edges = [(a, b, "directed") for a, b in self.directed]
        edges += [(a, b, "undirected") for a, b in self.undirected]
        return {
            "source": [e[0] for e in edges],
            "target": [e[1] for e in edges],
            "kind": [e[2] for e in edges],
        }

    def to_dict(self) -> dict[str, Any]:
        """Nodes and edges as plain lists (the JSON form)."""
        return {
            "nodes": list(self.nodes),
            "directed": [list(e) for e in self.directed],
            "undirected": [list(e) for e in self.undirected],
        }

    def to_json(self) -> str:
        """The JSON form of :meth:`to_dict`."""
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_json(cls, text: str) -> CPDAG:
        """The graph written by :meth:`to_json`."""
        data = json.loads(text)
        return cls.from_edges(
            data["nodes"],
            [tuple(e) for e in data.get("directed", [])],
            [tuple(e) for e in data.get("undirected", [])],
        )

    def to_csv(self, path: str | os.PathLike[str] | None = None) -> str:
        """The adjacency CSV of ``examples/data/sock-shop/*/cpdag.csv``:
        one edge a line as ``src,dst,mark_src,mark_dst`` with vertices numbered
        by node position and marks ``Tail``/``Arrow`` (an undirected edge is
        ``Tail,Tail``). Comment lines give the vertex count and the node names.
        Returns the text, also written to ``path`` when given.

        Examples
        --------
        >>> import causaloid as cl
        >>> g = cl.discover.CPDAG.from_edges(["a", "b", "c"], [("a", "b")], [("b", "c")])
        >>> print(g.to_csv(), end="")
        # deep_causality MixedGraph v1; vertices=3
        # nodes: ["a", "b", "c"]
        src,dst,mark_src,mark_dst
        0,1,Tail,Arrow
        1,2,Tail,Tail
        >>> cl.discover.CPDAG.from_csv(g.to_csv()) == g
        True
        """
        d, u = self._positions()
        lines = [
            f"# deep_causality MixedGraph v1; vertices={len(self.nodes)}",
            f"# nodes: {json.dumps(list(self.nodes))}",
            "src,dst,mark_src,mark_dst",
        ]
        lines += [f"{a},{b},Tail,Arrow" for a, b in d]
        lines += [f"{a},{b},Tail,Tail" for a, b in u]
        text = "\n".join(lines) + "\n"
        if path is not None:
            Path(path).write_text(text, encoding="utf-8")
        return text

    @classmethod
    def from_csv(cls, source: str | os.PathLike[str], nodes: Sequence[str] | None = None) -> CPDAG:
        """Read the adjacency CSV written by :meth:`to_csv` (a path or the text).

        ``nodes`` names the vertices by position (for example the columns of
        the data the graph was learned on); without it the names come from the
        ``# nodes:`` comment, or are the vertex numbers as strings.
        """
        text = str(source)
        if "\n" not in text and Path(text).exists():
            text = Path(text).read_text(encoding="utf-8")
        elif isinstance(source, os.PathLike):
            text = Path(source).read_text(encoding="utf-8")
        count: int | None = None
        names: list[str] | None = list(nodes) if nodes is not None else None
        directed: list[tuple[int, int]] = []
        undirected: list[tuple[int, int]] = []
        for number, raw in enumerate(text.splitlines(), 1):
            line = raw.strip()
            if not line:
                continue
            if line.startswith("#"):
                for part in line.lstrip("#").split(";"):
                    part = part.strip()
                    try:
                        if part.startswith("vertices="):
                            count = int(part.split("=", 1)[1])
                            if count < 0:
                                raise ValueError(count)
                        elif part.startswith("nodes:") and names is None:
                            listed = json.loads(part.split(":", 1)[1])
                            if not isinstance(listed, list):
                                raise ValueError(listed)
                            names = [str(n) for n in listed]
                    except ValueError as err:  # json.JSONDecodeError is a ValueError
                        raise DiscoverValueError(
                            f"line {number}: cannot read {part!r}",
                            {"parameter": "source", "line": number},
                        ) from err
                continue
            fields = [f.strip() for f in line.split(",")]
            if fields == ["src", "dst", "mark_src", "mark_dst"]:
                continue
            try:
                a, b = int(fields[0]), int(fields[1])
                marks = (fields[2], fields[3])
            except (ValueError, IndexError) as err:
                raise DiscoverValueError(
                    f"line {number} is not src,dst,mark_src,mark_dst: {raw!r}",
                    {"parameter": "source", "line": number},
                ) from err
            if marks == ("Tail", "Arrow"):
                directed.append((a, b))
            elif marks == ("Arrow", "Tail"):
                directed.append((b, a))
            elif marks == ("Tail", "Tail"):
                undirected.append((a, b))
            else:
                raise DiscoverValueError(
                    f"line {number}: marks {marks[0]},{marks[1]} are not those of a CPDAG",
                    {"parameter": "source", "line": number},
                )
        used = [v for e in [*directed, *undirected] for v in e]
        if count is None:
            count = len(names) if names is not None else (max(used) + 1 if used else 0)
        if names is None:
            names = [str(i) for i in range(count)]
        if len(names) != count:
            raise DiscoverValueError(
                f"{len(names)} node names for {count} vertices", {"parameter": "nodes"}
            )
        bad = [v for v in used if not 0 <= v < count]
        if bad:
            raise DiscoverValueError(
                f"vertex {bad[0]} is outside 0..{count - 1}", {"parameter": "source"}
            )
        return cls._from_positions(names, directed, undirected)

    def to_causal_graph(
        self,
        causaloids: Mapping[str, Any] | None = None,
        *,
        threshold: float = 0.0,
        id: str = "learned",
    ) -> Any:
        """A :class:`~causaloid.CausalGraph` skeleton with this graph's edges.

        The graph must be fully oriented (pick a member of the class with
        :meth:`dags` otherwise). A node takes its causaloid from
        ``causaloids`` when given there; else a root decides
        ``col(node) > threshold`` and any other node passes on the join of its
        parents' verdicts (``expr.value()``) — a skeleton to refine.

        Examples
        --------
        >>> import causaloid as cl
        >>> g = cl.discover.CPDAG.from_edges(["rain", "wet"], directed=[("rain", "wet")])
        >>> cg = g.to_causal_graph()
        >>> cg.edges, cg.evaluate({"rain": 1.0}).value
        ([('rain', 'wet')], True)
        """
        if self.undirected:
            raise UnorientedEdgeError(
                f"{len(self.undirected)} undirected edges; orient them first, "
                "for example with cpdag.dags(limit=1)[0]",
                {"edges": list(self.undirected)},
            )
        from causaloid import CausalGraph, Causaloid
        from causaloid import expr as E

        given = dict(causaloids or {})
        graph = CausalGraph(id, "structure learned from data")
        for node in self.nodes:
            member = given.get(node)
            if member is None:
                if self.parents(node):
                    member = Causaloid(node, f"{node}: join of its parents", expr=E.value())
                else:
                    member = Causaloid(node, f"{node} > {threshold}", expr=E.col(node) > threshold)
            graph.add(member)
        for a, b in self.directed:
            graph.link(a, b)
        graph.freeze()
        return graph

    def to_scm(self, data: Any) -> Any:
        """A structural causal model over this DAG, fitted to ``data``.

        Every node gets a linear equation of its parents, fitted by least
        squares (with an intercept), and the empirical distribution of its
        residuals as noise — :meth:`causaloid.SCM.from_edges` then
        :meth:`~causaloid.SCM.fit`. The graph must be fully oriented: a CPDAG
        with undirected edges does not say which way the equations run, so
        pick one member of its class with :meth:`dags` first.

        Parameters
        ----------
        data : mapping of arrays, pandas or polars DataFrame, pyarrow Table
            A column per node (other columns are ignored).

        Raises
        ------
        UnorientedEdgeError
            Undirected edges remain (``err.edges``).
        UnknownColumnError
            A node has no column in ``data``.

        Examples
        --------
        >>> import numpy as np, causaloid as cl
        >>> rng = np.random.default_rng(0)
        >>> a = rng.normal(size=2000)
        >>> b = 2.0 * a + rng.normal(size=2000)
        >>> g = cl.discover.CPDAG.from_edges(["a", "b"], directed=[("a", "b")])
        >>> m = g.to_scm({"a": a, "b": b})
        >>> round(m.linear_coefficients("b")[1]["a"], 1)
        2.0
        >>> round(m.effect("a", "b", 1.0, 0.0, n=1000, seed=0).effect, 1)
        2.0
        """
        if self.undirected:
            raise UnorientedEdgeError(
                f"{len(self.undirected)} undirected edges ({_edge_list(self.undirected)}); "
                "a structural causal model needs every edge oriented: pick a DAG of the "
                "class, for example cpdag.dags(limit=1)[0].to_scm(data)",
                {"edges": list(self.undirected)},
            )
        from causaloid._table import to_columns
        from causaloid.scm import SCM

        columns = to_columns(data, list(self.nodes))
        model = SCM({n: None for n in self.nodes}, edges=list(self.directed))
        return model.fit(columns)


def _edge_list(edges: Sequence[Edge], most: int = 3) -> str:
    shown = ", ".join(f"{a} - {b}" for a, b in edges[:most])
    return shown + (", ..." if len(edges) > most else "")


__all__ = ["CPDAG"]
