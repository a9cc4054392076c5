"""Drop-in replacements for peer adapters, built on `LambdaHandler`.

    from adapters.compat import Mangum              # instead of: from mangum import Mangum
    from adapters.compat import make_lambda_handler  # instead of: from apig_wsgi import ...

Each takes the same arguments and returns results of the same shape; where behaviour
differs on purpose, the module docstrings and docs/migrating.md say how and why.
Neither imports the peer package.
"""

from __future__ import annotations

from .apig_wsgi import make_lambda_handler
from .mangum import Mangum

__all__ = ["Mangum", "make_lambda_handler"]
