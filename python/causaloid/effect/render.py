"""The three forms of an explanation: plain text, Markdown and JSON.

:meth:`Effect.explain <causaloid.Effect.explain>` renders through
:func:`render`; the engine writes the text lines, this module only lays them
out.
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

from causaloid.errors import InvalidArgumentError

if TYPE_CHECKING:
    from causaloid.effect.effect import Effect

#: The formats :func:`render` knows.
FORMATS = ("text", "markdown", "json")


def render(effect: Effect[Any], format: str = "text") -> str:
    """The explanation of ``effect`` in ``format`` (``"text"``, ``"markdown"``
    or ``"json"``)."""
    if format == "text":
        return "\n".join(effect._text_lines())
    if format == "markdown":
        return _markdown(effect)
    if format == "json":
        return _json(effect)
    raise InvalidArgumentError(
        f"format must be one of {', '.join(map(repr, FORMATS))}; got {format!r:.40}",
        {"parameter": "format"},
    )


def _verdict(effect: Effect[Any]) -> str:
    if effect.ok:
        value = effect.value
        shown = str(value).lower() if isinstance(value, bool) else repr(value)
        return f"value: {shown}"
    return f"error: {effect.error}"


def _markdown(effect: Effect[Any]) -> str:
    lines = effect._text_lines()
    why = effect.why
    if why is not None:
        lines = lines[:-1]
    if lines and lines[-1].startswith(("value:", "error:", "Final verdict:", "Failed:")):
        lines = lines[:-1]
    out = [f"**{_escape(_verdict(effect))}**", ""]
    for line in lines:
        depth = (len(line) - len(line.lstrip(" "))) // 2
        out.append("  " * depth + "- " + _escape(line.strip()))
    if why is not None:
        out += ["", f"*Why:* {_escape(why)}"]
    return "\n".join(out).rstrip()


def _escape(text: str) -> str:
    # Markdown would read these as emphasis, code or links.
    for ch in ("\\", "`", "*", "_", "[", "<"):
        text = text.replace(ch, "\\" + ch)
    return text


def _plain(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else str(value)
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return repr(value)


def _json(effect: Effect[Any]) -> str:
    doc = {
        "value": _plain(effect.value),
        "ok": effect.ok,
        "error": None if effect.error is None else str(effect.error),
        "error_type": None if effect.error is None else type(effect.error).__name__,
        "why": effect.why,
        "lines": effect._text_lines(),
        "trace": [_plain(r) for r in effect.trace],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False)


__all__ = ["FORMATS", "render"]
