"""`adapters event`: the event each front door sends (adapters/cli/event.py)."""

from __future__ import annotations

import json

from .command import adapters


def test_event_for_every_source_is_recognised() -> None:
    from adapters.events import SOURCE_NAMES
    from adapters.sources import detect_source

    for source in SOURCE_NAMES:
        result = adapters(
            "event", source, "-X", "POST", "--path", "/items/1", "-q", "a=1", "-q", "a=2",
            "-H", "Content-Type: application/octet-stream", "--cookie", "s=1", "--body", "xyz",
            "--stage", "prod",
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        event = json.loads(result.stdout)
        request = detect_source(event).parse(event, None)
        assert request.method == "POST"
        assert request.raw_path.endswith(b"/items/1")
        assert request.body == b"xyz"
        assert ("cookie", "s=1") in request.headers
