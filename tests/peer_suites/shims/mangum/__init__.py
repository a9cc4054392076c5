"""`mangum` as its test suite imports it, answered by `adapters.compat`."""

from adapters.compat.mangum import Mangum

__all__ = ["Mangum"]
