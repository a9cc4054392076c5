"""What the source tests share: the documented example events in tests/events/, and the
echo apps' view of a request.

Fixtures in tests/events/ are written from the AWS documentation's examples; others are
built with `adapters.events.build_event`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from adapters import LambdaHandler
from adapters.events import client_response

from ..apps import asgi_echo, wsgi_echo

EVENTS = Path(__file__).parents[1] / "events"


def load(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / name).read_text())


def seen(handler: LambdaHandler, event: dict[str, Any]) -> dict[str, Any]:
    result = handler(event, None)
    response = client_response(event, result)
    assert response.status == 200, result
    return json.loads(response.body)


wsgi = LambdaHandler(wsgi_echo)
asgi = LambdaHandler(asgi_echo)
