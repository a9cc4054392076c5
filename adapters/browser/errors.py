"""What the bundle builder tells its user: ``BuildError`` and the progress log.

Every step of the build (reading requirements, fetching from npm, running pip, writing
wheels) reports problems the user can fix the same way, so the CLI can print them without
a traceback; this module is the one place they all import that from.
"""

from __future__ import annotations

import sys


class BuildError(Exception):
    """A problem the user can fix; the CLI prints the message, without a traceback."""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
