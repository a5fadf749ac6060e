"""The ``causaloid`` command line: ``causaloid --help`` lists the subcommands.

Each subcommand lives in its own module of this package and exposes
``register(subparsers)``; the parser it adds sets ``func`` to a callable taking
the parsed arguments and returning an exit code.

Errors are reported in one line on standard error, never as a traceback
(unless ``--debug``): a usage error (unknown option, a value of the wrong type)
exits 2, a mistake found while running (a missing or unreadable file, an
unknown column, a model that rejects the data) exits 1. The command line is
built on the standard library's ``argparse``: it needs no run-time dependency,
and a CLI library would replace none of the code here (the argument types, the
file readers and the one-line reports are specific to causaloid).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import NoReturn

# One module per subcommand, in the order --help lists them.
SUBCOMMANDS = ["evaluate", "explain", "discover", "bench"]


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line and exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every subcommand registered."""
    from causaloid import __version__
    from causaloid.cli._common import HelpFormatter

    parser = _Parser(
        prog="causaloid",
        description="Fast, deterministic, context-aware causal reasoning.",
        epilog="Run 'causaloid COMMAND --help' for the options of a command.",
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"causaloid {__version__}")
    parser.add_argument(
        "--debug", action="store_true", help="show the full traceback when something fails"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in SUBCOMMANDS:
        try:
            module = importlib.import_module(f"causaloid.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"causaloid.cli.{name}":
                raise
            continue
        module.register(sub)
    for command in sub.choices.values():
        command.add_argument(
            "--debug",
            action="store_true",
            default=argparse.SUPPRESS,
            help="show the full traceback when something fails",
        )
    return parser


def describe(exc: BaseException) -> str:
    """One line saying what went wrong and, where it can, how to fix it."""
    from causaloid._optional import install_hint
    from causaloid.errors import CausalError

    if isinstance(exc, CausalError) and isinstance(exc, ImportError):
        return str(exc)  # a missing optional package, with its extra
    if isinstance(exc, ModuleNotFoundError) and exc.name:
        return f"{exc.name} is not installed: {install_hint(exc.name)}"
    if isinstance(exc, RecursionError):
        return "the input is nested too deeply to be read"
    if isinstance(exc, MemoryError):
        return "not enough memory; try a smaller input"
    lines = str(exc).strip().splitlines()
    text = lines[0] if lines else ""
    if isinstance(exc, CausalError) or isinstance(exc, OSError) and exc.strerror:
        return text or type(exc).__name__
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        commands = ", ".join(SUBCOMMANDS)
        print(
            f"causaloid: error: give a command ({commands}); see 'causaloid --help'",
            file=sys.stderr,
        )
        return 2
    prog = f"causaloid {args.command}"
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        if args.debug:
            raise
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `causaloid bench | head -1`: stop quietly
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # noqa: BLE001 - the CLI reports in one line, never a traceback
        if args.debug:
            raise
        print(f"{prog}: error: {describe(exc)}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
