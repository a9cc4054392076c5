"""What a client receives from our result or a peer's: the package's own decoder, for both.

Mangum answers Lambda@Edge with an integer `status` and `isBase64Encoded` instead of
CloudFront's string `status` and `bodyEncoding` (the `mangum_edge_response` disagreement
in test_differential.py), which `client_response` refuses as CloudFront's 502. Where the
tests compare the rest of such a result, its two fields are first given CloudFront's
names and types.
"""

from __future__ import annotations

from typing import Any

from adapters import Response
from adapters.sources import detect_source
from adapters.testing import client_response


def client_view(event: dict[str, Any], result: dict[str, Any]) -> Response:
    """What the client of `event`'s front door receives for `result` (ours or a peer's)."""
    if isinstance(result.get("status"), int) and detect_source(event).key == "edge":
        encoding = "base64" if result.get("isBase64Encoded") else "text"
        result = {**result, "status": str(result["status"]), "bodyEncoding": encoding}
    return client_response(event, result)
