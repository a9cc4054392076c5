"""What both web front ends share: the store, the templates, the icon, the settings."""

from __future__ import annotations

import json
import logging
import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Any

from .store import InvalidNote, Note, NoteStore, store_from_environment

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
ICON = (HERE / "static" / "icon.png").read_bytes()

logger = logging.getLogger("notes")


@lru_cache(maxsize=1)
def store() -> NoteStore:
    return store_from_environment()


def session_secret() -> str:
    """SESSION_SECRET signs the session cookie; without it, one per process (dev only)."""
    secret = os.environ.get("SESSION_SECRET")
    if not secret:
        logger.warning("SESSION_SECRET is not set: sessions last only as long as this process")
        secret = secrets.token_hex(32)
    return secret


def diagnostics_enabled() -> bool:
    """NOTES_DIAGNOSTICS=1 adds /api/diagnostics/crash, to see how a crash is answered."""
    return os.environ.get("NOTES_DIAGNOSTICS") == "1"


class TickRequest:
    """`/api/ticks?count=N&interval=S`: a bounded clock, to watch a stream arrive."""

    MAX_COUNT = 20
    MAX_INTERVAL = 2.0

    def __init__(self, count: str | None, interval: str | None) -> None:
        try:
            self.count = int(count) if count else 5
            self.interval = float(interval) if interval else 1.0
        except ValueError:
            raise ValueError("count must be a whole number and interval a number") from None
        if not 1 <= self.count <= self.MAX_COUNT:
            raise ValueError(f"count must be from 1 to {self.MAX_COUNT}")
        if not 0 <= self.interval <= self.MAX_INTERVAL:  # also refuses nan
            raise ValueError(f"interval must be from 0 to {self.MAX_INTERVAL} seconds")

    def event(self, number: int) -> str:
        """One Server-Sent Event."""
        data = json.dumps({"tick": number + 1, "of": self.count})
        return f"event: tick\ndata: {data}\n\n"


def export_line(note: Note) -> str:
    """One note of `/api/notes/export` (newline-delimited JSON)."""
    return json.dumps(note, ensure_ascii=False) + "\n"


def import_notes(event: dict[str, Any]) -> dict[str, Any]:
    """The SQS queue's batch of notes (`{"title", "body"}` JSON per message) into the store.

    Returns the partial batch response: the messages that could not be read or stored are
    named, so SQS redelivers only those (and, past the queue's maxReceiveCount, moves them
    to the dead-letter queue); the rest are deleted from the queue.
    """
    failures = []
    for record in event.get("Records") or []:
        message_id = record.get("messageId") if isinstance(record, dict) else None
        try:
            data = json.loads(record["body"])
            if not isinstance(data, dict):
                raise InvalidNote("a message must be a JSON object")
            store().add(str(data.get("title", "")), str(data.get("body", "")))
        except (InvalidNote, ValueError, KeyError, TypeError) as error:
            logger.warning("Message %s not imported: %s", message_id, error)
            if isinstance(message_id, str):
                failures.append({"itemIdentifier": message_id})
    return {"batchItemFailures": failures}
