"""`python -m adapters.runtime [HANDLER]`: serve Lambda invocations (see the package)."""

from __future__ import annotations

import sys

from .loop import serve

if __name__ == "__main__":
    sys.exit(serve(sys.argv[1] if len(sys.argv) > 1 else None))
