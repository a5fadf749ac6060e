"""The ``causaloid`` command line: ``causaloid --help`` lists the subcommands.

Each subcommand lives in its own module of this package and exposes
``register(subparsers)``; the parser it adds sets ``func`` to a callable taking
the parsed arguments and returning an exit code.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# One module per subcommand, in the order --help lists them.
SUBCOMMANDS = ["evaluate", "explain", "discover", "bench"]


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every subcommand registered."""
    from causaloid import __version__

    parser = argparse.ArgumentParser(
        prog="causaloid",
        description="Fast, deterministic, context-aware causal reasoning.",
    )
    parser.add_argument("--version", action="version", version=f"causaloid {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMANDS:
        try:
            module = importlib.import_module(f"causaloid.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"causaloid.cli.{name}":
                raise
            continue
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except Exception as exc:  # noqa: BLE001 - the CLI reports, never tracebacks
        from causaloid.errors import CausalError

        if isinstance(exc, (CausalError, OSError, ValueError, KeyError, TypeError)):
            print(f"causaloid {args.command}: error: {exc}", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":
    sys.exit(main())
