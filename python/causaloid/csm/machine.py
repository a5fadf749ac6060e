"""The :class:`StateMachine`: states whose causaloids decide when their actions
fire, an optional ethos that vets every action first, and streams and tables
run through it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, Iterable, Mapping, Sequence
from typing import Any, Literal

import numpy as np

from causaloid import _native
from causaloid._table import n_rows, numeric, to_columns
from causaloid._threads import scope
from causaloid.csm.errors import ObservationError, UnknownStateError
from causaloid.csm.results import BatchResult, RunError, RunReport, RunUnknown
from causaloid.csm.state import Action, ActionLike, State, spec
from causaloid.csm.window import Window
from causaloid.errors import CausalError, InvalidArgumentError
from causaloid.ethos import Ethos
from causaloid.graph._base import MissingPolicy, NodeId, split_input

Errors = Literal["raise", "record"]


class StateMachine:
    """A causal state machine.

    Every observation is evaluated by every state's causaloid; the states
    whose causaloid is active fire their action, in the order the states were
    added. With an ethos, each action is judged first (its context: the
    observation's values, the window's summaries and ``"verdict"``, the
    state's verdict as a degree); a refused action is logged, not executed.
    Every firing is logged with the state, the input, the verdict, the
    vetting and the action's outcome.

    A missing input (NaN, ``None``, a pandas ``NA``, a null) that a state
    reads raises ``MissingValueError`` by default (recorded against the
    observation and the state like any state error). Every way in
    (:meth:`evaluate_all`, :meth:`evaluate`, :meth:`run`, :meth:`run_batch`)
    takes ``missing="false" | "true" | "propagate"`` to decide it instead:
    the state does not fire, fires, or its verdict is unknown (it does not
    fire and the unknown is listed: :attr:`unknown`, ``RunReport.unknown``,
    ``BatchResult.unknown``). See ``docs/missing.md``.

    Parameters
    ----------
    states : iterable of (State, action)
        Each action is a :class:`Action`, a callable (named after itself) or
        a name (a record-only action). State ids must be unique.
    ethos : Ethos, optional
        Vets every action. The machine keeps a copy: assign
        :attr:`ethos` again after changing the ethos.
    window : Window, optional
        Keeps recent observations; its summaries (``"temp.mean"`` ...)
        become columns the states can read. The machine keeps its own copy.
    log_limit : int
        How many firings (and errors) the log keeps; the oldest drop out.

    Examples
    --------
    >>> col = cl.expr.col
    >>> alarms = []
    >>> def alert(firing):
    ...     alarms.append(firing.state)
    >>> csm = cl.StateMachine([
    ...     (cl.State("hot", "too hot", cl.Causaloid("t", "", expr=col("temp") > 50)), alert),
    ...     (cl.State("smoky", "smoke", cl.Causaloid("s", "", expr=col("smoke") > 0.5)), "log"),
    ... ])
    >>> [f.state for f in csm.evaluate_all({"temp": 60.0, "smoke": 0.7})]
    ['hot', 'smoky']
    >>> alarms
    ['hot']
    >>> csm.run([{"temp": 20.0, "smoke": 0.9}, (70.0, 0.0)])
    RunReport(items=2, firings=2, refused=0, errors=0)
    """

    def __init__(
        self,
        states: Iterable[tuple[State, ActionLike]] = (),
        *,
        ethos: Ethos | None = None,
        window: Window | None = None,
        log_limit: int = 100_000,
    ) -> None:
        pairs = [_pair(p) for p in states]
        if ethos is not None and not isinstance(ethos, Ethos):
            raise TypeError(f"ethos must be a cl.Ethos, got {type(ethos).__name__}")
        if window is not None and not isinstance(window, Window):
            raise TypeError(f"window must be a cl.Window, got {type(window).__name__}")
        if isinstance(log_limit, bool) or not isinstance(log_limit, int):
            raise TypeError(f"log_limit must be an int, got {type(log_limit).__name__}")
        if not 0 <= log_limit < 2**63:
            raise InvalidArgumentError(
                f"log_limit must be between 0 and 2**63 - 1, got {log_limit!r}",
                {"parameter": "log_limit"},
            )
        self._native = _native.StateMachine(
            [spec(s, a) for s, a in pairs],
            None if ethos is None else ethos._native,
            None if window is None else window._native,
            log_limit,
        )
        self._states: dict[NodeId, tuple[State, Action]] = {s.id: (s, a) for s, a in pairs}
        self._ethos = ethos
        self._log_limit = log_limit
        if type(self).evaluate_all is StateMachine.evaluate_all:
            # The per-event call of a stream is the engine's own method: a
            # Python frame in front of it would cost as much as the states.
            # (A subclass that overrides evaluate_all keeps its override.)
            self.__dict__["evaluate_all"] = self._native.observe

    # --- states -------------------------------------------------------------
    def add(self, state: State, action: ActionLike) -> None:
        """Add a state (its id must be new). Safe while running: from within
        an action it applies from the next observation on."""
        s, a = _pair((state, action))
        self._native.add(spec(s, a))
        self._states[s.id] = (s, a)

    def update(self, state: State, action: ActionLike) -> None:
        """Replace the state of the same id and its action, keeping its place."""
        s, a = _pair((state, action))
        self._native.update(spec(s, a))
        self._states[s.id] = (s, a)

    def remove(self, id: NodeId) -> tuple[State, Action]:
        """Remove a state by id; returns it with its action."""
        self._native.remove(id)
        return self._states.pop(id)

    def state(self, id: NodeId) -> State:
        """The state of that id."""
        if id not in self._states:
            raise UnknownStateError(f"unknown state id {id!r}", {"state_id": id})
        return self._states[id][0]

    @property
    def states(self) -> list[State]:
        """The states, in firing order."""
        order = self._native.state_ids()
        # Another thread may be adding or removing a state right now.
        return [p[0] for p in (self._states.get(i) for i in order) if p is not None]

    @property
    def ethos(self) -> Ethos | None:
        """The ethos vetting the actions (assign to replace it, or None)."""
        return self._ethos

    @ethos.setter
    def ethos(self, ethos: Ethos | None) -> None:
        if ethos is not None and not isinstance(ethos, Ethos):
            raise TypeError(f"ethos must be a cl.Ethos, got {type(ethos).__name__}")
        self._native.set_ethos(None if ethos is None else ethos._native)
        self._ethos = ethos

    @property
    def window(self) -> Window | None:
        """A snapshot of the machine's window (None without one)."""
        w = self._native.window()
        return None if w is None else Window._wrap(w)

    @property
    def inputs(self) -> list[str]:
        """The columns each observation must hold (states' and ethos's)."""
        return list(self._native.inputs)

    @property
    def events(self) -> int:
        """How many observations the machine has evaluated."""
        return int(self._native.events)

    def __len__(self) -> int:
        return len(self._states)

    def __contains__(self, id: object) -> bool:
        return id in self._states

    def __repr__(self) -> str:
        return f"StateMachine({len(self)} states, ethos={'yes' if self._ethos else 'no'})"

    def __reduce__(self) -> tuple[Any, ...]:
        pairs = [p for p in map(self._states.get, self._native.state_ids()) if p is not None]
        return (_rebuild, (pairs, self._ethos, self.window, self._log_limit))

    def resume(self, events: int, window: Any = None) -> None:
        """Continue as if ``events`` observations had come first.

        What a later piece of a table (a partition on another worker) needs
        from the pieces before it: event numbers continue from ``events``, and
        the window holds the last rows of ``window`` (a table holding the
        window's columns, oldest row first; only the last ``size`` rows
        count), so its summaries span the boundary. The log is kept.

        Parameters
        ----------
        events : int
            How many observations came before.
        window : table, optional
            The rows before, with at least the window's columns. Required
            (it may have no rows) when the machine has a window.

        Examples
        --------
        >>> col = cl.expr.col
        >>> def machine():
        ...     up = cl.State("up", "", cl.Causaloid("u", "", expr=col("x.delta") > 0))
        ...     return cl.StateMachine([(up, "log")], window=cl.Window(2, ["x"]))
        >>> x = np.array([1.0, 3.0, 2.0, 5.0])
        >>> whole = machine().run_batch({"x": x})
        >>> second = machine()
        >>> second.resume(2, {"x": x[:2]})
        >>> part = second.run_batch({"x": x[2:]})
        >>> [f.event for f in part.firings] == [f.event for f in whole.firings][1:]
        True
        """
        if isinstance(events, bool) or not isinstance(events, (int, np.integer)) or events < 0:
            raise InvalidArgumentError(
                f"events must be a whole number >= 0; got {events!r}", {"events": repr(events)}
            )
        w = self._native.window()
        arrays: list[np.ndarray] = []
        if w is not None:
            if window is None:
                raise InvalidArgumentError(
                    "the machine has a window: pass the rows before (window=...)",
                    {"columns": list(w.columns)},
                )
            cols = to_columns(window)
            for c in w.columns:
                if c not in cols:
                    raise ObservationError(
                        f"the carried rows have no window column {c!r}",
                        {"column": c, "available": list(cols)},
                    )
                arrays.append(np.ascontiguousarray(numeric(c, cols[c]), dtype=np.float64))
        self._native.resume(int(events), arrays)

    # --- the log ------------------------------------------------------------
    @property
    def log(self) -> list[Any]:
        """Every logged firing, oldest first (see :data:`~causaloid.csm.Firing`)."""
        return list(self._native.log())

    @property
    def errors(self) -> list[tuple[int, Any, BaseException]]:
        """Every recorded error as ``(event, state, exception)``, oldest first."""
        return [tuple(e) for e in self._native.errors()]  # type: ignore[misc]

    @property
    def unknown(self) -> list[tuple[int, Any, tuple[str, ...]]]:
        """Every state whose verdict was unknown (``missing="propagate"``) as
        ``(event, state, missing inputs in words)``, oldest first; kept like
        the log (``log_limit``) and cleared with it.

        Examples
        --------
        >>> col = cl.expr.col
        >>> smoky = cl.State("smoky", "", cl.Causaloid("s", "", expr=col("smoke") > 0.5))
        >>> csm = cl.StateMachine([(smoky, "alarm")])
        >>> csm.evaluate_all({"smoke": float("nan")}, missing="propagate")
        []
        >>> csm.unknown
        [(0, 'smoky', ('"smoke" read by "s"',))]
        """
        return [(e, s, tuple(m)) for e, s, m in self._native.unknown()]

    def clear_log(self) -> None:
        """Forget the logged firings, errors and unknown verdicts."""
        self._native.clear_log()

    # --- one observation ----------------------------------------------------
    def evaluate(
        self,
        id: NodeId,
        x: Any = None,
        *,
        value: Any = None,
        missing: MissingPolicy = "raise",
    ) -> list[Any]:
        """Evaluate one state and fire its action if its causaloid is active.

        ``x`` is the incoming value (a number or bool) or an observation (a
        mapping; only the columns this state reads must be there). Without an
        incoming value the state's ``data`` is used. The window is read, not
        moved. Returns the firing (a list of one) or an empty list; errors
        raise. ``missing`` decides a missing input the state reads, as in
        :meth:`evaluate_all` (an unknown verdict joins :attr:`unknown`).

        Examples
        --------
        >>> col = cl.expr.col
        >>> smoky = cl.State("smoky", "", cl.Causaloid("s", "", expr=col("smoke") > 0.5))
        >>> csm = cl.StateMachine([(smoky, "alarm")])
        >>> [f.state for f in csm.evaluate("smoky", {"smoke": None}, missing="true")]
        ['smoky']
        """
        v, row = split_input(x, value)
        firings, errors, _ = self._native.evaluate(id, row, v, missing)
        _raise_first(errors)
        return list(firings)

    def evaluate_all(
        self,
        observation: Mapping[str, Any],
        *,
        errors: Errors = "raise",
        missing: MissingPolicy = "raise",
    ) -> list[Any]:
        """Evaluate every state on one observation and fire the active ones.

        Parameters
        ----------
        observation : mapping
            Must hold every column in :attr:`inputs`.
        errors : {"raise", "record"}
            A state that fails to decide, or an action that raises, is
            always recorded (:attr:`errors`) and never stops the other
            states; ``"raise"`` then raises the first such error.
        missing : {"raise", "false", "true", "propagate"}
            What a missing input (NaN, ``None``, a pandas ``NA``) that a state
            reads does: ``"raise"`` (the default) records a
            ``MissingValueError`` naming the column and the state;
            ``"false"`` / ``"true"`` decide that state false / true (it does
            not fire / it fires); ``"propagate"`` leaves its verdict unknown
            (three-valued logic, as for graphs): it does not fire and joins
            :attr:`unknown` with the missing inputs it read.

        Returns
        -------
        list of Firing
            The firings of this observation, refused ones included.

        Examples
        --------
        >>> col = cl.expr.col
        >>> hot = cl.State("hot", "", cl.Causaloid("t", "", expr=col("temp") > 50))
        >>> csm = cl.StateMachine([(hot, "alarm")])
        >>> try:
        ...     csm.evaluate_all({"temp": float("nan")})
        ... except cl.errors.MissingValueError as err:
        ...     print(type(err).__name__, err.state_id, err.column)
        StateMissingValueError hot temp
        >>> [f.state for f in csm.evaluate_all({"temp": float("nan")}, missing="true")]
        ['hot']
        >>> csm.evaluate_all({"temp": float("nan")}, missing="propagate")
        []
        >>> csm.unknown[-1]
        (2, 'hot', ('"temp" read by "t"',))
        """
        # Each instance calls the native method directly (see __init__); a
        # policy other than "raise" takes the engine's general path there.
        return self._native.observe(  # type: ignore[no-any-return]
            observation, errors=errors, missing=missing
        )

    # --- streams ------------------------------------------------------------
    def run(
        self,
        source: Any,
        *,
        columns: Sequence[str] | None = None,
        stop_on_error: bool = False,
        missing: MissingPolicy = "raise",
    ) -> RunReport:
        """Run a stream of observations through the machine.

        Parameters
        ----------
        source : iterable, async iterable or table
            Items are mappings, named tuples, plain tuples (values in
            ``columns`` order, by default :attr:`inputs`) or rows of a frame;
            a pandas/polars DataFrame or Arrow table is run row by row. An
            async iterable is consumed on a new event loop (inside a running
            loop, ``await`` :meth:`arun` instead).
        columns : sequence of str, optional
            The names of the values of tuple items.
        stop_on_error : bool
            Raise at the first error (after recording it; the exception's
            ``.report`` holds the run so far). By default every error is
            recorded with its item and the run goes on.
        missing : {"raise", "false", "true", "propagate"}
            What a missing input a state reads does, item by item, as in
            :meth:`evaluate_all`. Under ``"raise"`` it is an error of the
            report (``MissingValueError``, with its item and state); under
            ``"propagate"`` the unknown verdicts are in ``report.unknown``.

        Returns
        -------
        RunReport

        Examples
        --------
        >>> col = cl.expr.col
        >>> hot = cl.State("hot", "", cl.Causaloid("t", "", expr=col("temp") > 50))
        >>> csm = cl.StateMachine([(hot, "alarm")])
        >>> report = csm.run([{"temp": 60.0}, {"temp": None}, {"temp": 20.0}], missing="propagate")
        >>> report
        RunReport(items=3, firings=1, refused=0, errors=0, unknown=1)
        >>> report.unknown[0].position, report.unknown[0].missing
        (1, ('"temp" read by "t"',))
        """
        if hasattr(source, "__aiter__"):
            try:
                asyncio.get_running_loop()
            except RuntimeError:
                return asyncio.run(
                    self.arun(source, columns=columns, stop_on_error=stop_on_error, missing=missing)
                )
            raise TypeError("inside a running event loop, use: await csm.arun(source)")
        _native_policy(missing)
        report = RunReport()
        names = list(columns) if columns is not None else None
        for item in _items(source):
            self._step(item, names, report, stop_on_error, missing)
        return report

    async def arun(
        self,
        source: AsyncIterable[Any] | Iterable[Any],
        *,
        columns: Sequence[str] | None = None,
        stop_on_error: bool = False,
        missing: MissingPolicy = "raise",
    ) -> RunReport:
        """:meth:`run` for async iterables (plain iterables work too)."""
        _native_policy(missing)
        report = RunReport()
        names = list(columns) if columns is not None else None
        if hasattr(source, "__aiter__"):
            async for item in source:  # type: ignore[union-attr]
                self._step(item, names, report, stop_on_error, missing)
        else:
            for item in _items(source):
                self._step(item, names, report, stop_on_error, missing)
        return report

    def _step(
        self,
        item: Any,
        names: list[str] | None,
        report: RunReport,
        stop: bool,
        missing: MissingPolicy,
    ) -> None:
        index = report.items
        report.items += 1
        try:
            obs = item if type(item) is dict else _observation(item, names or self.inputs)
            firings, errs, unknown = self._native.evaluate_all(obs, missing)
        except CausalError as e:
            report.errors.append(RunError(index, None, None, item, e))
            if stop:
                e.report = report  # type: ignore[attr-defined]
                raise
            return
        report.firings.extend(firings)
        for u_event, u_state, notes in unknown:
            report.unknown.append(RunUnknown(index, u_event, u_state, item, tuple(notes)))
        for event, state, err in errs:
            report.errors.append(RunError(index, event, state, item, err))
        if stop and errs:
            first = errs[0][2]
            first.report = report  # type: ignore[attr-defined]
            raise first

    def run_batch(
        self,
        table: Any,
        *,
        threads: int | None = None,
        missing: MissingPolicy = "raise",
    ) -> BatchResult:
        """Run every row of a table through the machine in one native call.

        The states' causaloids are evaluated over the whole table in the
        engine (expression states vectorised and in parallel, GIL released);
        the window moves on row by row; the ethos vets each firing; then the
        actions run in row order. The firings, their vetting and the errors
        are exactly those :meth:`run` gives on the same rows.

        Parameters
        ----------
        table : mapping of arrays, pandas/polars DataFrame or Arrow table
            Must hold every column in :attr:`inputs`.
        threads : int, optional
            Engine threads for this call only; the configured count
            (:func:`causaloid.set_threads`) when omitted. Never changes the result.
        missing : {"raise", "false", "true", "propagate"}
            What a missing input a state reads does, row by row exactly as
            :meth:`run` decides it (a property the tests check under every
            policy). Under ``"propagate"`` the unknown (row, state) pairs are
            in ``result.unknown`` and masked in ``result.matrix()``.

        Returns
        -------
        BatchResult
            ``rows`` and ``states`` of each firing, ``matrix()``, ``fired(id)``.

        Examples
        --------
        >>> col = cl.expr.col
        >>> hot = cl.State("hot", "", cl.Causaloid("t", "", expr=col("temp") > 50))
        >>> csm = cl.StateMachine([(hot, "alarm")])
        >>> out = csm.run_batch({"temp": [60.0, np.nan, 20.0]}, missing="propagate")
        >>> out
        BatchResult(3 rows, 1 firings, 0 errors, 1 unknown)
        >>> out.matrix()[:, 0].tolist()
        [True, None, False]
        """
        _native_policy(missing)
        cols = to_columns(table)
        absent = [c for c in self.inputs if c not in cols]
        if absent:
            raise ObservationError(
                f"the table has no column {absent[0]!r} (available: {', '.join(list(cols)[:12])})",
                {"column": absent[0], "available": list(cols)},
            )
        arrays = [np.ascontiguousarray(numeric(c, cols[c]), dtype=np.float64) for c in self.inputs]
        n = n_rows(cols)

        def row_of(i: int) -> dict[str, Any]:
            return {k: v[i].item() if hasattr(v[i], "item") else v[i] for k, v in cols.items()}

        with scope(threads):
            (
                rows,
                positions,
                executed,
                firings,
                errs,
                first,
                state_ids,
                unknown_states,
            ) = self._native.run_batch(arrays, n, cols, row_of, missing)
        errors = [
            RunError(int(e - first), int(e), s, row_of(int(e - first)), x) for e, s, x in errs
        ]
        unknown = [
            RunUnknown(int(e - first), int(e), s, row_of(int(e - first)), tuple(m))
            for e, s, m in unknown_states
        ]
        return BatchResult(rows, positions, executed, firings, errors, n, list(state_ids), unknown)


def _rebuild(
    pairs: list[tuple[State, Action]], ethos: Any, window: Any, log_limit: int
) -> StateMachine:
    return StateMachine(pairs, ethos=ethos, window=window, log_limit=log_limit)


def _pair(p: Any) -> tuple[State, Action]:
    if not isinstance(p, tuple) or len(p) != 2:
        raise TypeError(f"each state must be given as a (State, action) pair; got {p!r:.60}")
    state, action = p
    if not isinstance(state, State):
        raise TypeError(f"expected a cl.State, got {type(state).__name__}")
    return state, Action.of(action)


_POLICIES = ("raise", "false", "true", "propagate")


def _native_policy(missing: Any) -> None:
    """Checks ``missing=`` before a run starts (the engine parses it again)."""
    if missing not in _POLICIES:
        raise InvalidArgumentError(
            f'invalid missing: {missing!r} is not a policy: use "raise" (the default), '
            '"false", "true" or "propagate"',
            {"parameter": "missing"},
        )


def _raise_first(errors: list[Any]) -> None:
    if errors:
        raise errors[0][2]


def _items(source: Any) -> Iterable[Any]:
    """Rows of a frame as mappings; any other iterable as it is."""
    module = type(source).__module__.split(".")[0]
    if module in ("pandas", "polars", "pyarrow") and hasattr(
        source, "columns" if module != "pyarrow" else "column_names"
    ):
        cols = to_columns(source)
        names = list(cols)
        return ({k: cols[k][i] for k in names} for i in range(n_rows(cols)))
    if isinstance(source, Mapping):
        raise TypeError(
            "run() takes an iterable of observations; for one observation use evaluate_all()"
        )
    if not isinstance(source, Iterable):
        raise TypeError(f"run() takes an iterable of observations, got {type(source).__name__}")
    return source


def _observation(item: Any, names: Sequence[str]) -> Any:
    """A stream item as a mapping."""
    if isinstance(item, Mapping) or (hasattr(item, "keys") and hasattr(item, "__getitem__")):
        return item
    if hasattr(item, "_asdict"):
        return item._asdict()
    if isinstance(item, (tuple, list, np.ndarray)):
        if len(item) != len(names):
            raise ObservationError(
                f"a stream item of {len(item)} values; expected {len(names)} ({', '.join(names)})",
                {"column": None, "found": len(item), "expected": len(names)},
            )
        return dict(zip(names, item, strict=False))
    raise ObservationError(
        f"a stream item must be a mapping or a tuple of values, got {type(item).__name__} "
        f"{item!r:.40}",
        {"column": None},
    )
