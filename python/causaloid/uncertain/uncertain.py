"""``Uncertain``: a value with uncertainty. Operators build a lazy graph in the
engine; reading a result samples it natively in seeded blocks (GIL released),
and conditionals are decided by Wald's sequential probability ratio test."""

from __future__ import annotations

import numbers
import sys
from collections.abc import Callable, Sequence
from typing import Any, Union, overload

import numpy as np

from causaloid._native import Decision, UncertainNode
from causaloid._native import sprt_defaults as _native_sprt_defaults
from causaloid._optional import require
from causaloid._seed import Seed, as_seed
from causaloid.errors import InvalidArgumentError
from causaloid.uncertain.errors import UncertainParameterError, UncertainTruthError

DEFAULT_SAMPLES = 10_000
"""Samples drawn by the readers when ``n`` is not given."""

# The engine's sequential test defaults (one source: `_native.sprt_defaults()`).
_, DEFAULT_CONFIDENCE, DEFAULT_EPSILON, DEFAULT_MAX_SAMPLES = _native_sprt_defaults()

Operand = Union["Uncertain", float, int, bool]


def check_seed(seed: Seed) -> int | None:
    """Validates a seed at the boundary: None, an int in [0, 2**64) or a NumPy
    Generator (the next seed is drawn from it); see :func:`causaloid._seed.as_seed`."""
    try:
        return as_seed(seed)
    except InvalidArgumentError as exc:
        raise UncertainParameterError(
            str(exc),
            {"parameter": "seed", "value": repr(seed), "expected": "an int in [0, 2**64)"},
        ) from None


def check_count(n: int, name: str = "n") -> int:
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
        raise UncertainParameterError(
            f"{name} must be a positive int, got {n!r}",
            {"parameter": name, "value": repr(n), "expected": "a positive int"},
        )
    if n > sys.maxsize:
        from causaloid.uncertain.errors import UncertainMemoryError

        raise UncertainMemoryError(
            f"{name} = {n} samples do not fit in memory", {"parameter": name, "value": int(n)}
        )
    return int(n)


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise UncertainParameterError(
            f"{name} must be a real number, got {value!r}",
            {"parameter": name, "value": repr(value), "expected": "a real number"},
        )
    return float(value)


def _node(value: Any) -> UncertainNode | None:
    """The engine node of an operand, a certain value for plain numbers."""
    if isinstance(value, Uncertain):
        return value._node
    if isinstance(value, (bool, np.bool_)):
        return UncertainNode.point(float(value), True)
    if isinstance(value, numbers.Real):
        return UncertainNode.point(float(value), False)
    return None


class Uncertain:
    """A value with uncertainty (Bornholt et al., *Uncertain<T>*, ASPLOS 2014).

    Build one with a constructor (:meth:`normal`, :meth:`uniform`,
    :meth:`bernoulli`, :meth:`point`, :meth:`from_samples`, :meth:`mixture`),
    combine with ``+ - * /``, comparisons and ``& | ~``; nothing is sampled
    until a result is read. A value used twice is one random variable, so
    ``x - x`` is exactly 0 in every sample.

    Every reader takes ``n`` (samples) and ``seed`` (an int or a NumPy
    ``Generator``, from which the next seed is drawn); with a seed results are
    bit-identical across runs and thread counts, without one a seed is drawn
    from the OS and kept in :attr:`last_seed`.

    Examples
    --------
    >>> import causaloid as cl
    >>> speed = cl.Uncertain.normal(57.0, 4.0)
    >>> over = speed > 60.0
    >>> bool(over.probability_exceeds(0.9, seed=1))
    False
    >>> float((speed - speed).expected_value(seed=1))
    0.0
    """

    __slots__ = ("_node", "last_seed")
    # NumPy must defer to our reflected operators instead of broadcasting us.
    __array_ufunc__ = None

    def __init__(self, node: UncertainNode) -> None:
        if not isinstance(node, UncertainNode):
            raise TypeError(
                "build an Uncertain with a constructor such as Uncertain.normal(mean, std), "
                f"not Uncertain({node!r})"
            )
        self._node = node
        #: The seed of the last sampling pass on this value (None before any).
        self.last_seed: int | None = None

    # ---- constructors -----------------------------------------------------------

    @classmethod
    def point(cls, value: float | bool) -> Uncertain:
        """A certain value (a bool gives an uncertain bool).

        >>> Uncertain.point(2.5).sample(3, seed=0)
        array([2.5, 2.5, 2.5])
        """
        if isinstance(value, (bool, np.bool_)):
            return cls(UncertainNode.point(float(value), True))
        return cls(UncertainNode.point(_number(value, "value"), False))

    @classmethod
    def normal(cls, mean: float, std: float) -> Uncertain:
        """Normal (Gaussian) with ``mean`` and standard deviation ``std`` ≥ 0.

        >>> round(Uncertain.normal(10.0, 2.0).std(100_000, seed=3), 1)
        2.0
        """
        return cls(UncertainNode.normal(_number(mean, "mean"), _number(std, "std")))

    @classmethod
    def uniform(cls, low: float, high: float) -> Uncertain:
        """Uniform on ``[low, high)``.

        >>> round(Uncertain.uniform(0.0, 4.0).expected_value(100_000, seed=3), 1)
        2.0
        """
        return cls(UncertainNode.uniform(_number(low, "low"), _number(high, "high")))

    @classmethod
    def bernoulli(cls, p: float) -> Uncertain:
        """An uncertain bool, true with probability ``p``.

        >>> round(Uncertain.bernoulli(0.25).probability(100_000, seed=3), 2)
        0.25
        """
        return cls(UncertainNode.bernoulli(_number(p, "p")))

    @classmethod
    def from_samples(cls, samples: Any) -> Uncertain:
        """The empirical distribution of observed samples (resampled with
        replacement); a bool array gives an uncertain bool.

        >>> Uncertain.from_samples([3.0, 3.0]).expected_value(10, seed=0)
        3.0
        """
        array = np.asarray(samples)
        if array.ndim != 1:
            raise UncertainParameterError(
                f"samples must be a 1-d array, got shape {array.shape}",
                {"parameter": "samples", "value": str(array.shape), "expected": "a 1-d array"},
            )
        boolean = array.dtype == np.bool_
        if not boolean and not np.issubdtype(array.dtype, np.number):
            raise UncertainParameterError(
                f"samples must be numbers or bools, got dtype {array.dtype}",
                {"parameter": "samples", "value": str(array.dtype), "expected": "numbers"},
            )
        values = np.ascontiguousarray(array, dtype=np.float64)
        return cls(UncertainNode.from_samples(values, bool(boolean)))

    @classmethod
    def mixture(cls, components: Sequence[Uncertain], weights: Sequence[float]) -> Uncertain:
        """Each sample comes from ``components[i]`` with probability ``weights[i]``
        (the weights sum to 1).

        >>> m = Uncertain.mixture([Uncertain.point(0.0), Uncertain.point(10.0)], [0.5, 0.5])
        >>> round(m.expected_value(100_000, seed=3))
        5
        """
        nodes = []
        for i, c in enumerate(components):
            if not isinstance(c, Uncertain):
                raise UncertainParameterError(
                    f"components[{i}] must be an Uncertain, got {c!r}",
                    {"parameter": "components", "value": repr(c), "expected": "Uncertain"},
                )
            nodes.append(c._node)
        return cls(UncertainNode.mixture(nodes, [_number(w, "weights") for w in weights]))

    # ---- building the graph -----------------------------------------------------

    def _binary(self, op: str, other: Any, reflected: bool = False) -> Any:
        node = _node(other)
        if node is None:
            return NotImplemented
        lhs, rhs = (node, self._node) if reflected else (self._node, node)
        return Uncertain(lhs.binary(op, rhs))

    def __add__(self, other: Operand) -> Uncertain:
        return self._binary("add", other)

    def __radd__(self, other: Operand) -> Uncertain:
        return self._binary("add", other, True)

    def __sub__(self, other: Operand) -> Uncertain:
        return self._binary("sub", other)

    def __rsub__(self, other: Operand) -> Uncertain:
        return self._binary("sub", other, True)

    def __mul__(self, other: Operand) -> Uncertain:
        return self._binary("mul", other)

    def __rmul__(self, other: Operand) -> Uncertain:
        return self._binary("mul", other, True)

    def __truediv__(self, other: Operand) -> Uncertain:
        return self._binary("div", other)

    def __rtruediv__(self, other: Operand) -> Uncertain:
        return self._binary("div", other, True)

    def __neg__(self) -> Uncertain:
        return Uncertain(self._node.unary("neg"))

    def __pos__(self) -> Uncertain:
        return self

    def __abs__(self) -> Uncertain:
        return Uncertain(self._node.unary("abs"))

    def _compare(self, op: str, other: Any, tolerance: float = 0.0) -> Any:
        node = _node(other)
        if node is None:
            return NotImplemented
        return Uncertain(self._node.binary(op, node, tolerance))

    def __lt__(self, other: Operand) -> Uncertain:
        return self._compare("lt", other)

    def __le__(self, other: Operand) -> Uncertain:
        return self._compare("le", other)

    def __gt__(self, other: Operand) -> Uncertain:
        return self._compare("gt", other)

    def __ge__(self, other: Operand) -> Uncertain:
        return self._compare("ge", other)

    def __eq__(self, other: object) -> Uncertain:  # type: ignore[override]
        return self._compare("eq", other)  # type: ignore[no-any-return]

    def __ne__(self, other: object) -> Uncertain:  # type: ignore[override]
        return self._compare("ne", other)  # type: ignore[no-any-return]

    def __hash__(self) -> int:
        return hash(self._node.node_id)

    def approx_eq(self, other: Operand, tolerance: float) -> Uncertain:
        """Uncertain bool: ``|self - other| <= tolerance`` in each sample.

        >>> x = Uncertain.normal(0.0, 1.0)
        >>> round(x.approx_eq(0.0, tolerance=1.0).probability(100_000, seed=3), 2)
        0.68
        """
        result = self._compare("eq", other, _number(tolerance, "tolerance"))
        if result is NotImplemented:
            raise TypeError(f"cannot compare an Uncertain with {other!r}")
        return result  # type: ignore[no-any-return]

    def __and__(self, other: Operand) -> Uncertain:
        return self._binary("and", other)

    def __rand__(self, other: Operand) -> Uncertain:
        return self._binary("and", other, True)

    def __or__(self, other: Operand) -> Uncertain:
        return self._binary("or", other)

    def __ror__(self, other: Operand) -> Uncertain:
        return self._binary("or", other, True)

    def __xor__(self, other: Operand) -> Uncertain:
        """Exclusive or of two uncertain bools, sample by sample.

        >>> a, b = Uncertain.bernoulli(0.5), Uncertain.bernoulli(0.5)
        >>> round((a ^ b).probability(100_000, seed=1), 1)
        0.5
        >>> (a ^ a).probability(1000, seed=1)
        0.0
        """
        return self._binary("xor", other)

    def __rxor__(self, other: Operand) -> Uncertain:
        return self._binary("xor", other, True)

    def __invert__(self) -> Uncertain:
        return Uncertain(self._node.unary("not"))

    def within_range(self, low: float, high: float) -> Uncertain:
        """Uncertain bool: ``low <= self <= high`` in each sample (bounds
        included; ``-inf`` / ``inf`` leave a side open). The same operator as
        ``cl.expr.col(...).between(low, high)``.

        >>> x = Uncertain.normal(0.0, 1.0)
        >>> round(x.within_range(-1.0, 1.0).probability(100_000, seed=3), 2)
        0.68
        """
        return Uncertain(self._node.within_range(_number(low, "low"), _number(high, "high")))

    def where(self, then: Operand, otherwise: Operand) -> Uncertain:
        """For an uncertain bool: ``then`` in the samples where it holds,
        ``otherwise`` elsewhere (both sides are sampled).

        >>> coin = Uncertain.bernoulli(0.5)
        >>> coin.where(1.0, -1.0).sample(4, seed=2).tolist()
        [-1.0, -1.0, 1.0, -1.0]
        """
        a, b = _node(then), _node(otherwise)
        if a is None or b is None:
            raise TypeError("where() takes Uncertain values or numbers")
        return Uncertain(self._node.select(a, b))

    def map(self, fn: Callable[[np.ndarray], Any], returns: type = float) -> Uncertain:
        """Applies a Python function to whole blocks of samples: ``fn`` gets a
        NumPy array (bools for an uncertain bool) and returns one value per
        sample. It is called once per block of up to 4096 samples, never
        once per sample. ``returns=bool`` makes the result an uncertain bool.

        >>> x = Uncertain.uniform(1.0, 2.0)
        >>> round(x.map(np.log).expected_value(100_000, seed=1), 2)
        0.39
        """
        if returns not in (float, bool):
            raise UncertainParameterError(
                f"returns must be float or bool, got {returns!r}",
                {"parameter": "returns", "value": repr(returns), "expected": "float or bool"},
            )
        if not callable(fn):
            raise TypeError(f"map() needs a callable, got {fn!r}")
        name = getattr(fn, "__qualname__", None) or repr(fn)
        return Uncertain(self._node.map(fn, name, returns is bool))

    # ---- reading ------------------------------------------------------------------

    @property
    def is_bool(self) -> bool:
        """Whether samples are booleans."""
        return bool(self._node.is_bool)

    @property
    def node_count(self) -> int:
        """Distinct nodes in the graph under this value (shared ones once)."""
        return int(self._node.node_count())

    def sample(self, n: int = DEFAULT_SAMPLES, seed: Seed = None) -> np.ndarray:
        """``n`` samples as a NumPy array (bool for an uncertain bool).

        >>> x = Uncertain.normal(0.0, 1.0)
        >>> bool((x.sample(5, seed=7) == x.sample(5, seed=7)).all())
        True
        """
        values, self.last_seed = self._node.sample(check_count(n), check_seed(seed))
        return values  # type: ignore[no-any-return]

    def _moments(self, n: int, seed: Seed) -> tuple[float, float]:
        mean, std, self.last_seed = self._node.moments(check_count(n), check_seed(seed))
        return mean, std

    def expected_value(self, n: int = DEFAULT_SAMPLES, seed: Seed = None) -> float:
        """Monte Carlo estimate of the mean from ``n`` samples.

        >>> round(Uncertain.normal(5.0, 1.0).expected_value(100_000, seed=1), 1)
        5.0
        """
        return self._moments(n, seed)[0]

    def std(self, n: int = DEFAULT_SAMPLES, seed: Seed = None) -> float:
        """Sample standard deviation of ``n`` samples.

        >>> round(Uncertain.normal(5.0, 3.0).std(100_000, seed=1), 1)
        3.0
        """
        return self._moments(n, seed)[1]

    @overload
    def quantile(self, q: float, n: int = ..., seed: Seed = ...) -> float: ...

    @overload
    def quantile(self, q: Sequence[float], n: int = ..., seed: Seed = ...) -> np.ndarray: ...

    def quantile(
        self, q: float | Sequence[float], n: int = DEFAULT_SAMPLES, seed: Seed = None
    ) -> float | np.ndarray:
        """Quantile(s) ``q`` in [0, 1] of ``n`` samples (linear interpolation).

        >>> round(Uncertain.uniform(0.0, 1.0).quantile(0.9, 100_000, seed=1), 2)
        0.9
        """
        scalar = np.ndim(q) == 0
        qs = [float(x) for x in np.atleast_1d(np.asarray(q, dtype=np.float64))]
        values, self.last_seed = self._node.quantiles(qs, check_count(n), check_seed(seed))
        return float(values[0]) if scalar else np.asarray(values)

    def histogram(
        self, bins: int | Sequence[float] = 50, n: int = DEFAULT_SAMPLES, seed: Seed = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """``(counts, edges)`` of ``n`` samples, as :func:`numpy.histogram`.

        >>> counts, edges = Uncertain.uniform(0.0, 1.0).histogram(bins=4, n=1000, seed=1)
        >>> int(counts.sum()), len(edges)
        (1000, 5)
        """
        if isinstance(bins, numbers.Integral) and not isinstance(bins, bool):
            check_count(int(bins), "bins")
        elif isinstance(bins, (str, bool)) or not isinstance(bins, Sequence):
            raise UncertainParameterError(
                f"bins must be a positive int or a sequence of edges, got {bins!r:.40}",
                {"parameter": "bins", "value": repr(bins), "expected": "a positive int or edges"},
            )
        samples = self.sample(n, seed).astype(np.float64)
        try:
            counts, edges = np.histogram(samples, bins=bins)
        except ValueError as exc:
            raise UncertainParameterError(
                f"bins: {exc}",
                {"parameter": "bins", "value": repr(bins), "expected": "increasing edges"},
            ) from None
        return counts, edges

    def probability(self, n: int = DEFAULT_SAMPLES, seed: Seed = None) -> float:
        """For an uncertain bool: the fraction of ``n`` samples that are true.

        >>> round((Uncertain.normal(0.0, 1.0) > 0.0).probability(100_000, seed=1), 2)
        0.5
        """
        self._require_bool("probability")
        return self._moments(n, seed)[0]

    def probability_exceeds(
        self,
        threshold: float,
        confidence: float = DEFAULT_CONFIDENCE,
        epsilon: float = DEFAULT_EPSILON,
        max_samples: int = DEFAULT_MAX_SAMPLES,
        seed: Seed = None,
    ) -> Decision:
        """Decides whether P(true) > ``threshold`` by Wald's sequential
        probability ratio test, drawing only as many samples as needed.

        Each wrong answer has probability at most ``1 - confidence`` when the
        true probability lies outside ``threshold ± epsilon``; after
        ``max_samples`` the estimate decides. The returned :class:`Decision`
        is truthy for yes and says how many samples it drew and why it
        stopped (``explain()``).

        >>> d = (Uncertain.normal(70.0, 3.0) > 60.0).probability_exceeds(0.95, seed=1)
        >>> bool(d), d.reason, d.samples < 100
        (True, 'accepted_above', True)
        """
        self._require_bool("probability_exceeds")
        return self._node.probability_exceeds(
            _number(threshold, "threshold"),
            _number(confidence, "confidence"),
            _number(epsilon, "epsilon"),
            check_count(max_samples, "max_samples"),
            check_seed(seed),
        )

    def implicit_conditional(
        self,
        confidence: float = DEFAULT_CONFIDENCE,
        epsilon: float = DEFAULT_EPSILON,
        max_samples: int = DEFAULT_MAX_SAMPLES,
        seed: Seed = None,
    ) -> Decision:
        """Is it more likely than not? (``probability_exceeds(0.5, ...)``, the
        paper's implicit conditional).

        >>> bool((Uncertain.normal(1.0, 1.0) > 0.0).implicit_conditional(seed=1))
        True
        """
        return self.probability_exceeds(0.5, confidence, epsilon, max_samples, seed)

    def _require_bool(self, what: str) -> None:
        if not self.is_bool:
            from causaloid.uncertain.errors import UncertainKindError

            raise UncertainKindError(
                f"{what} needs an uncertain bool (e.g. x > 3), got an uncertain float",
                {"operation": what, "expected": "bool", "found": "float"},
            )

    def __bool__(self) -> bool:
        raise UncertainTruthError(
            "the truth of an Uncertain is a probability, not a bool: decide explicitly with "
            "u.probability_exceeds(threshold, confidence=...) or u.implicit_conditional() "
            "(both return a Decision usable in `if`), or read u.probability()"
        )

    def plot(
        self,
        n: int = DEFAULT_SAMPLES,
        seed: Seed = None,
        bins: int = 60,
        threshold: float | None = None,
        ax: Any = None,
    ) -> Any:
        """Histogram of ``n`` samples (matplotlib), with an optional vertical
        line at ``threshold``; returns the Axes.

        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> ax = Uncertain.normal(0.0, 1.0).plot(n=1000, seed=1, threshold=1.0)
        >>> ax.get_xlabel()
        'value'
        """
        plt = require("matplotlib.pyplot", "Uncertain.plot()")

        if ax is None:
            _, ax = plt.subplots()
        values = self.sample(n, seed).astype(np.float64)
        ax.hist(values, bins=bins, density=True, alpha=0.7, label=f"{n} samples")
        if threshold is not None:
            ax.axvline(threshold, color="crimson", linestyle="--", label=f"threshold {threshold}")
        ax.set_xlabel("value")
        ax.set_ylabel("density")
        ax.legend()
        return ax

    def describe(self) -> str:
        """The graph as an expression; shared nodes appear once, then as ``#k``.

        >>> x = Uncertain.normal(0.0, 1.0)
        >>> (x - x).describe()
        '(normal(mean=0, std=1) - #1)'
        """
        return str(self._node.describe())

    def __repr__(self) -> str:
        kind = "bool" if self.is_bool else "float"
        return f"Uncertain[{kind}]({self.describe()})"

    def __reduce__(self) -> tuple[Any, ...]:
        # The engine writes the graph (shared nodes once, so a pickled value is
        # still one random variable wherever it is reused); the Python
        # functions of map() nodes travel beside the bytes.
        data, functions = self._node.to_bytes()
        return (_from_bytes, (data, functions))


def _from_bytes(data: bytes, functions: list[tuple[Callable[..., Any], str]]) -> Uncertain:
    """The inverse of ``Uncertain.__reduce__`` (used by pickle).

    >>> import pickle
    >>> x = Uncertain.normal(0.0, 1.0)
    >>> y = pickle.loads(pickle.dumps(x - x + 1.0))
    >>> y.sample(3, seed=1).tolist()
    [1.0, 1.0, 1.0]
    """
    return Uncertain(UncertainNode.from_bytes(data, list(functions)))
