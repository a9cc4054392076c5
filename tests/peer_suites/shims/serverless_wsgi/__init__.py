"""`serverless_wsgi` as its plugin's `wsgi_handler.py` imports it, answered by `adapters.compat`."""

from adapters.compat.serverless_wsgi import TEXT_MIME_TYPES, handle_request

__all__ = ["TEXT_MIME_TYPES", "handle_request"]
