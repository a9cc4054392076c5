"""The `adapters` command: local tools around the adapter, one module per subcommand.

    adapters invoke MODULE:HANDLER --event FILE    like `sam local invoke`, in-process
    adapters event SOURCE [options]                 realistic events for every source
    adapters serve [template.yaml]                  like `sam local start-api`, no Docker
    adapters browser build|serve ...                the browser bundle

Every subcommand has --help. Errors a user can fix print one line and exit with 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import browser, event, invoke, serve
from .common import CommandError

SUBCOMMANDS = (invoke, event, serve, browser)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="adapters", description="Local tools for WSGI/ASGI apps on AWS Lambda."
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in SUBCOMMANDS:
        module.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    arguments = parser.parse_args(argv)
    try:
        result: int = arguments.run(arguments)
    except CommandError as error:
        print(f"adapters {arguments.command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `adapters event ... | head`: the reader left, not an error
        sys.stderr.close()
        return 0
    return result
