"""Where notes live: DynamoDB on Lambda, memory or a JSON file elsewhere.

The store is chosen from the environment once per process, so the same app code runs on
Lambda (TABLE_NAME set by template.yaml), locally and in the browser unchanged.
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Protocol, TypedDict


class Note(TypedDict):
    id: str
    title: str
    body: str
    created: float


class NoteStore(Protocol):
    def list(self) -> list[Note]: ...
    def get(self, note_id: str) -> Note | None: ...
    def add(self, title: str, body: str) -> Note: ...
    def delete(self, note_id: str) -> bool: ...


class InvalidNote(ValueError):
    """A note the user must correct: shown to them, never a 500."""


MAX_TITLE = 200
MAX_BODY = 10_000


def new_note(title: str, body: str) -> Note:
    title, body = title.strip(), body.strip()
    if not title:
        raise InvalidNote("A note needs a title.")
    if len(title) > MAX_TITLE:
        raise InvalidNote(f"Titles are limited to {MAX_TITLE} characters.")
    if len(body) > MAX_BODY:
        raise InvalidNote(f"Notes are limited to {MAX_BODY} characters.")
    return {"id": uuid.uuid4().hex[:12], "title": title, "body": body, "created": time.time()}


def newest_first(notes: list[Note]) -> list[Note]:
    return sorted(notes, key=lambda note: note["created"], reverse=True)


class MemoryStore:
    def __init__(self) -> None:
        self._notes: dict[str, Note] = {}
        self._lock = threading.Lock()

    def list(self) -> list[Note]:
        return newest_first(list(self._notes.values()))

    def get(self, note_id: str) -> Note | None:
        return self._notes.get(note_id)

    def add(self, title: str, body: str) -> Note:
        note = new_note(title, body)
        with self._lock:
            self._notes[note["id"]] = note
        return note

    def delete(self, note_id: str) -> bool:
        with self._lock:
            return self._notes.pop(note_id, None) is not None


class FileStore(MemoryStore):
    """Memory plus a JSON file, rewritten whole: enough for one local user."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        if path.exists():
            self._notes = {note["id"]: note for note in json.loads(path.read_text())}

    def _save(self) -> None:
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(list(self._notes.values()), indent=1))
        temporary.replace(self.path)

    def add(self, title: str, body: str) -> Note:
        note = super().add(title, body)
        self._save()
        return note

    def delete(self, note_id: str) -> bool:
        deleted = super().delete(note_id)
        if deleted:
            self._save()
        return deleted


class DynamoStore:
    """One item per note, keyed by `id` (the table in template.yaml)."""

    def __init__(self, table_name: str, client: Any = None) -> None:
        if client is None:
            import boto3  # type: ignore[import-untyped]  # in the Lambda runtime; not off AWS

            client = boto3.client("dynamodb")
        self.client = client
        self.table_name = table_name

    @staticmethod
    def _from_item(item: dict[str, Any]) -> Note:
        return {
            "id": item["id"]["S"],
            "title": item["title"]["S"],
            "body": item.get("body", {}).get("S", ""),
            "created": float(item["created"]["N"]),
        }

    def list(self) -> list[Note]:
        notes: list[Note] = []
        paginator = self.client.get_paginator("scan")
        for page in paginator.paginate(TableName=self.table_name):
            notes.extend(self._from_item(item) for item in page.get("Items", []))
        return newest_first(notes)

    def get(self, note_id: str) -> Note | None:
        found = self.client.get_item(TableName=self.table_name, Key={"id": {"S": note_id}})
        return self._from_item(found["Item"]) if "Item" in found else None

    def add(self, title: str, body: str) -> Note:
        note = new_note(title, body)
        item = {
            "id": {"S": note["id"]},
            "title": {"S": note["title"]},
            "body": {"S": note["body"]},
            "created": {"N": repr(note["created"])},
        }
        self.client.put_item(
            TableName=self.table_name, Item=item, ConditionExpression="attribute_not_exists(id)"
        )
        return note

    def delete(self, note_id: str) -> bool:
        result = self.client.delete_item(
            TableName=self.table_name, Key={"id": {"S": note_id}}, ReturnValues="ALL_OLD"
        )
        return "Attributes" in result


def store_from_environment() -> NoteStore:
    """TABLE_NAME: DynamoDB; NOTES_FILE: a JSON file; neither: memory."""
    table = os.environ.get("TABLE_NAME")
    if table:
        return DynamoStore(table)
    path = os.environ.get("NOTES_FILE")
    if path:
        return FileStore(Path(path))
    return MemoryStore()
