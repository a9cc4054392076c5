"""The Flask notes app (lambda/notes) wrapped by serverless-wsgi, as its users write it."""

from typing import Any

import serverless_wsgi  # type: ignore[import-untyped]

from notes.flask_app import app


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    result: dict[str, Any] = serverless_wsgi.handle_request(app, event, context)
    return result
