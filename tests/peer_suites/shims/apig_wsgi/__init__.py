"""`apig_wsgi` as its test suite imports it, answered by `adapters.compat`."""

from adapters.compat.apig_wsgi import (
    DEFAULT_NON_BINARY_CONTENT_TYPE_PREFIXES,
    make_lambda_handler,
)
from adapters.compat.apig_wsgi import (
    ExcInfo as _ExcInfoType,
)

__all__ = ("DEFAULT_NON_BINARY_CONTENT_TYPE_PREFIXES", "_ExcInfoType", "make_lambda_handler")
