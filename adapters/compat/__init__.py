"""Drop-in replacements for peer adapters, built on the adapters' own parts.

    from adapters.compat import Mangum              # instead of: from mangum import Mangum
    from adapters.compat import make_lambda_handler  # instead of: from apig_wsgi import ...
    from adapters.compat import serverless_wsgi      # instead of: import serverless_wsgi

Each takes the same arguments and returns results of the same shape; where behaviour
differs on purpose, the module docstrings and docs/migrating.md say how and why.
None imports the peer package. Each name is imported when first asked for, so that a
WSGI drop-in never loads the Mangum one (and asyncio with it).
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:  # no `typing` at run time: the WSGI drop-ins load none
    from typing import Any

    from . import serverless_wsgi
    from .apig_wsgi import make_lambda_handler
    from .mangum import Mangum

__all__ = ["Mangum", "make_lambda_handler", "serverless_wsgi"]


def __getattr__(name: str) -> Any:
    if name == "Mangum":
        from .mangum import Mangum

        return Mangum
    if name == "make_lambda_handler":
        from .apig_wsgi import make_lambda_handler

        return make_lambda_handler
    if name == "serverless_wsgi":
        from importlib import import_module

        return import_module(f"{__name__}.serverless_wsgi")
    raise AttributeError(f"module 'adapters.compat' has no attribute {name!r}")
