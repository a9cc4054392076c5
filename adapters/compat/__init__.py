"""Drop-in replacements for peer adapters, built on the adapters' own parts.

    from adapters.compat import Mangum              # instead of: from mangum import Mangum
    from adapters.compat import make_lambda_handler  # instead of: from apig_wsgi import ...
    from adapters.compat import serverless_wsgi      # instead of: import serverless_wsgi

Each takes the same arguments and returns results of the same shape; where behaviour
differs on purpose, the module docstrings and docs/migrating.md say how and why.
None imports the peer package.
"""

from __future__ import annotations

from . import serverless_wsgi
from .apig_wsgi import make_lambda_handler
from .mangum import Mangum

__all__ = ["Mangum", "make_lambda_handler", "serverless_wsgi"]
