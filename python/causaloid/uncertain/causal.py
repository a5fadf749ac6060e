"""Causaloids on uncertain inputs. A causal function (callable or expression)
that meets an ``Uncertain`` yields an uncertain bool, which is decided by the
SPRT with the parameters set on the causaloid; each decision is recorded and
appended to the evaluation's explanation."""

from __future__ import annotations

import contextvars
import json
import numbers
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from causaloid.uncertain.errors import UncertainParameterError
from causaloid.uncertain.uncertain import Uncertain, check_count, check_seed


@dataclass(frozen=True)
class SPRT:
    """How a causaloid decides an uncertain bool: is P(true) > ``threshold``,
    at ``confidence``, with indifference region ``± epsilon``, drawing at
    most ``max_samples``. ``seed=None`` draws one from the OS (reported in
    the explanation).

    Examples
    --------
    >>> import causaloid as cl
    >>> fast = cl.Causaloid("fast", "speed over 60", fn=lambda v: v > 60.0,
    ...                     decide=cl.uncertain.SPRT(threshold=0.9, seed=1))
    >>> fast.evaluate(cl.Uncertain.normal(75.0, 5.0)).value
    True
    """

    threshold: float = 0.5
    confidence: float = 0.95
    epsilon: float = 0.05
    max_samples: int = 10_000
    seed: int | None = None

    def __post_init__(self) -> None:
        for name in ("threshold", "confidence", "epsilon"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, numbers.Real):
                raise UncertainParameterError(
                    f"{name} must be a real number, got {v!r}",
                    {"parameter": name, "value": repr(v), "expected": "a real number"},
                )
        if not 0.0 <= self.threshold <= 1.0:
            raise UncertainParameterError(
                f"threshold must be in [0, 1], got {self.threshold}",
                {"parameter": "threshold", "value": repr(self.threshold), "expected": "in [0, 1]"},
            )
        if not 0.0 < self.confidence < 1.0:
            raise UncertainParameterError(
                f"confidence must be strictly between 0 and 1, got {self.confidence}",
                {
                    "parameter": "confidence",
                    "value": repr(self.confidence),
                    "expected": "in (0, 1)",
                },
            )
        if not 0.0 < self.epsilon < 0.5:
            raise UncertainParameterError(
                f"epsilon must be in (0, 0.5), got {self.epsilon}",
                {"parameter": "epsilon", "value": repr(self.epsilon), "expected": "in (0, 0.5)"},
            )
        check_count(self.max_samples, "max_samples")
        check_seed(self.seed)

    def decide(self, u: Uncertain) -> Any:
        """The :class:`~causaloid.uncertain.Decision` on the uncertain bool ``u``."""
        return u.probability_exceeds(
            self.threshold, self.confidence, self.epsilon, self.max_samples, self.seed
        )


DEFAULT_SPRT = SPRT()

# The decisions made during the evaluation in progress (None outside one).
_decisions: contextvars.ContextVar[list[tuple[Any, Any]] | None] = contextvars.ContextVar(
    "causaloid_uncertain_decisions", default=None
)


def decide(node_id: Any, out: Uncertain, sprt: SPRT | None) -> bool:
    """Decides a causal function's uncertain output and records the decision."""
    decision = (sprt or DEFAULT_SPRT).decide(out)
    record = _decisions.get()
    if record is not None:
        record.append((node_id, decision))
    return bool(decision)


def start_recording() -> contextvars.Token[list[tuple[Any, Any]] | None]:
    return _decisions.set([])


def stop_recording(token: contextvars.Token[list[tuple[Any, Any]] | None]) -> list[str]:
    """Ends the recording; returns the explanation lines of its decisions."""
    record = _decisions.get() or []
    _decisions.reset(token)
    lines: list[str] = []
    if record:
        lines.append("Uncertain decisions (sequential probability ratio test):")
        for node_id, decision in record:
            text = decision.explain().splitlines()
            lines.append(f"  {node_id!r}: {text[0]}")
            lines.extend(f"  {line}" for line in text[1:])
    return lines


def has_uncertain(x: Any, value: Any) -> bool:
    """Whether an input to ``evaluate`` holds an uncertain value."""
    if isinstance(x, Uncertain) or isinstance(value, Uncertain):
        return True
    if isinstance(x, Mapping):
        return any(isinstance(v, Uncertain) for v in x.values())
    return False


class UncertainRow(Mapping[str, Any]):
    """The row callables receive while uncertain inputs are evaluated: the
    user's columns plus the incoming (possibly uncertain) value."""

    __slots__ = ("_row", "value")

    def __init__(self, row: Mapping[str, Any] | None, value: Any) -> None:
        self._row = row if row is not None else {}
        self.value = value

    def __getitem__(self, key: str) -> Any:
        return self._row[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._row)

    def __len__(self) -> int:
        return len(self._row)


def _point(x: Any) -> Uncertain:
    return x if isinstance(x, Uncertain) else Uncertain.point(x)


def _binary(op: str, a: Any, b: Any) -> Any:
    if op in ("min", "max"):
        ua, ub = _point(a), _point(b)
        return (ua < ub).where(ua, ub) if op == "min" else (ua > ub).where(ua, ub)
    ops: dict[str, Any] = {
        "add": lambda: a + b,
        "sub": lambda: a - b,
        "mul": lambda: a * b,
        "div": lambda: a / b,
        "gt": lambda: a > b,
        "ge": lambda: a >= b,
        "lt": lambda: a < b,
        "le": lambda: a <= b,
        "eq": lambda: a == b,
        "ne": lambda: a != b,
        "and": lambda: _point(a) & _point(b),
        "or": lambda: _point(a) | _point(b),
    }
    if op not in ops:
        raise UncertainParameterError(
            f"the expression operation {op!r} has no uncertain form",
            {"parameter": "expr", "value": op, "expected": "a supported operation"},
        )
    return ops[op]()


def _unary(op: str, a: Any) -> Any:
    u = _point(a)
    if op == "neg":
        return -u
    if op == "abs":
        return abs(u)
    if op == "not":
        return ~u
    if op == "is_nan":
        return u.map(np.isnan, returns=bool)
    raise UncertainParameterError(
        f"the expression operation {op!r} has no uncertain form",
        {"parameter": "expr", "value": op, "expected": "a supported operation"},
    )


def expr_to_uncertain(tree: Any, value: Any, row: Mapping[str, Any]) -> Any:
    """Evaluates an expression's JSON tree on possibly uncertain inputs,
    building an ``Uncertain`` graph (plain numbers become certain points)."""
    if tree == "value":
        return value
    if "col" in tree:
        return row[tree["col"]]
    if "lit" in tree:
        return tree["lit"]
    if "binary" in tree:
        op, a, b = tree["binary"]
        return _binary(op, expr_to_uncertain(a, value, row), expr_to_uncertain(b, value, row))
    if "unary" in tree:
        op, a = tree["unary"]
        return _unary(op, expr_to_uncertain(a, value, row))
    if "between" in tree:
        x, lo, hi = (_point(expr_to_uncertain(t, value, row)) for t in tree["between"])
        return (x >= lo) & (x <= hi)
    raise UncertainParameterError(
        f"unknown expression node {tree!r}",
        {"parameter": "expr", "value": repr(tree), "expected": "an expression"},
    )


class UncertainDecider:
    """The causal function of a causaloid lifted for uncertain inputs: runs
    the original callable or expression, deciding an uncertain output by SPRT."""

    def __init__(self, causaloid: Any) -> None:
        self.causaloid = causaloid
        self.sprt: SPRT | None = causaloid.decide
        self.tree = json.loads(causaloid.expr.to_json()) if causaloid.expr is not None else None
        how = (
            str(causaloid.expr)
            if causaloid.expr is not None
            else getattr(causaloid.fn, "__qualname__", repr(causaloid.fn))
        )
        sprt = self.sprt or DEFAULT_SPRT
        self.__qualname__ = (
            f"{how} [uncertain inputs: P(true) > {sprt.threshold} at confidence {sprt.confidence}]"
        )

    def __call__(self, value: Any, row: Any) -> Any:
        if value is None and isinstance(row, UncertainRow):
            value = row.value
        plain_row = row._row if isinstance(row, UncertainRow) else row
        c = self.causaloid
        if self.tree is not None:
            columns = plain_row if plain_row is not None else {}
            reads_uncertain = isinstance(value, Uncertain) or any(
                isinstance(columns.get(name), Uncertain) for name in c.expr.columns
            )
            if not reads_uncertain:
                # Certain inputs: the native expression decides exactly as usual.
                needed = {name: columns[name] for name in c.expr.columns} if columns else None
                evaluation = c._member().evaluate(value, needed)
                if not evaluation.ok:
                    raise evaluation.error()
                return evaluation.verdict
            out = expr_to_uncertain(self.tree, value, columns)
        else:
            adapter = c._adapter
            out = adapter.fn(value, row) if adapter.with_row else adapter.fn(value)
        if isinstance(out, Uncertain):
            return decide(c.id, out, self.sprt)
        return out


def lift(member: Any) -> Any:
    """A copy of a causaloid, collection or graph whose causaloids accept
    uncertain inputs (cached on the member: structures are immutable once frozen)."""
    from causaloid.graph.causal_graph import CausalGraph
    from causaloid.graph.causaloid import Causaloid
    from causaloid.graph.collection import CausalCollection

    if isinstance(member, Causaloid):
        return Causaloid(member.id, member.description, fn=UncertainDecider(member))
    if isinstance(member, CausalCollection):
        return CausalCollection(
            [lift(m) for m in member.members],
            member.logic,
            id=member.id,
            description=member.description,
        )
    if isinstance(member, CausalGraph):
        g = CausalGraph(member.id, member.description, max_relays=member.max_relays)
        for node in member.nodes:
            g.add(lift(member[node]))
        for a, b in member.edges:
            g.link(a, b)
        if member.is_frozen:
            g.freeze()
        return g
    raise TypeError(f"cannot evaluate {type(member).__name__} on uncertain inputs")


def split_uncertain(x: Any, value: Any) -> tuple[None, UncertainRow]:
    """(incoming value, row) for the native call: the uncertain value travels in the row."""
    if isinstance(x, Uncertain):
        if value is not None:
            raise TypeError("pass the incoming value once: evaluate(x) or evaluate(row, value=x)")
        return None, UncertainRow(None, x)
    if isinstance(x, Mapping):
        return None, UncertainRow(x, value)
    if x is None:
        return None, UncertainRow(None, value)
    raise TypeError(
        "evaluate() takes a number, bool or Uncertain (the incoming value) or a mapping "
        f"of column values (a row); got {type(x).__name__}"
    )


__all__ = ["SPRT", "UncertainRow", "expr_to_uncertain", "has_uncertain", "lift"]


def evaluate_uncertain(member: Any, method: str, args: tuple[Any, ...], x: Any, value: Any) -> Any:
    """Runs ``member.<method>(*args, x, value=value)`` on uncertain inputs: the
    lifted structure evaluates, and its decisions join the explanation."""
    from causaloid.effect import Effect

    lifted = lift(member)
    v, row = split_uncertain(x, value)
    token = start_recording()
    try:
        evaluation = getattr(lifted._native if method != "evaluate" else lifted._member(), method)(
            *args, v, row
        )
    finally:
        lines = stop_recording(token)
    error = None if evaluation.ok else evaluation.error()
    # Decisions first, so the explanation still ends with the final verdict.
    log: Any = (None, evaluation) if not lines else ((None, "\n".join(lines)), evaluation)
    return Effect._make(evaluation.verdict, error, log)
