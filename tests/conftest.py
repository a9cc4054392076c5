from __future__ import annotations

import base64
import sys
from typing import Any

import pytest

from .example_app import LAMBDA_DIR
from .node.pyodide_node import notes_bundle  # noqa: F401 (a session fixture for every test file)

if str(LAMBDA_DIR) not in sys.path:
    sys.path.insert(0, str(LAMBDA_DIR))


def response_body(result: dict[str, Any]) -> bytes:
    """The bytes a client receives, whatever the source's body encoding."""
    body = result.get("body") or ""
    encoded = result.get("isBase64Encoded") or result.get("bodyEncoding") == "base64"
    return base64.b64decode(body) if encoded else body.encode("utf-8")


@pytest.fixture
def body_of() -> Any:
    return response_body
