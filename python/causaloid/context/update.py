"""Atomic updates: a :class:`Transaction` collects changes and the context
applies them whole or not at all when the ``with`` block ends."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from causaloid.context.contextoids import Contextoid, ContextoidId, to_native

if TYPE_CHECKING:
    from types import TracebackType

    from causaloid.context.context import Context


class Transaction:
    """Changes to a context, applied together when the ``with`` block exits
    without an exception (and discarded otherwise).

    Examples
    --------
    >>> import causaloid as cl
    >>> ctx = cl.Context("c").add(cl.Data("a", 1.0))
    >>> with ctx.update() as tx:
    ...     _ = tx.set("a", "value", 2.0).add(cl.Data("b", 3.0)).link("a", "b", "data")
    >>> ctx.value("a"), len(ctx)
    (2.0, 2)
    """

    def __init__(self, context: Context) -> None:
        self._context = context
        self._ops: list[tuple[Any, ...]] = []

    def add(self, *contextoids: Contextoid) -> Transaction:
        """Add new contextoids."""
        self._ops.extend(("add", to_native(c)) for c in contextoids)
        return self

    def replace(self, *contextoids: Contextoid) -> Transaction:
        """Replace existing contextoids (kind and fields) with the same ids."""
        self._ops.extend(("replace", to_native(c)) for c in contextoids)
        return self

    def upsert(self, *contextoids: Contextoid) -> Transaction:
        """Add contextoids, or replace those whose id exists."""
        self._ops.extend(("upsert", to_native(c)) for c in contextoids)
        return self

    def set(self, node_id: ContextoidId, field: str, value: float) -> Transaction:
        """Set one field of an existing contextoid."""
        self._ops.append(("set", node_id, str(field), float(value)))
        return self

    def remove(self, *node_ids: ContextoidId) -> Transaction:
        """Remove contextoids and every relation touching them."""
        self._ops.extend(("remove", i) for i in node_ids)
        return self

    def link(
        self, source: ContextoidId, target: ContextoidId, kind: str = "temporal"
    ) -> Transaction:
        """Add a relation ``source -> target`` of ``kind``."""
        self._ops.append(("link", source, target, str(kind)))
        return self

    def unlink(
        self, source: ContextoidId, target: ContextoidId, kind: str = "temporal"
    ) -> Transaction:
        """Remove a relation."""
        self._ops.append(("unlink", source, target, str(kind)))
        return self

    def __len__(self) -> int:
        return len(self._ops)

    def __enter__(self) -> Transaction:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self._context._apply(self._ops)
