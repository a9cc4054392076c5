"""The example app's storage: DynamoDB (against moto), a JSON file, memory."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from moto import mock_aws

from adapters import LambdaHandler
from adapters.events import build_event
from notes.store import DynamoStore, FileStore, InvalidNote, MemoryStore, NoteStore

from ..example_app import TEMPLATE


class CloudFormationLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short tags (!Ref, !Sub, !GetAtt ...) read as plain values."""


def _tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return {suffix: loader.construct_scalar(node)}
    if isinstance(node, yaml.SequenceNode):
        return {suffix: loader.construct_sequence(node)}
    return {suffix: loader.construct_mapping(node)}  # type: ignore[arg-type]


CloudFormationLoader.add_multi_constructor("!", _tag)


def table_properties() -> dict[str, Any]:
    template = yaml.load(TEMPLATE.read_text(), Loader=CloudFormationLoader)
    resource = template["Resources"]["NotesTable"]
    assert resource["Type"] == "AWS::DynamoDB::Table"
    return dict(resource["Properties"])


@pytest.fixture
def dynamodb(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        client = boto3.client("dynamodb")
        client.create_table(TableName="notes-test", **table_properties())
        yield client


def test_template_table_is_keyed_by_id() -> None:
    properties = table_properties()
    assert properties["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert properties["BillingMode"] == "PAY_PER_REQUEST"


def stores(tmp_path: Path, client: Any) -> list[NoteStore]:
    return [MemoryStore(), FileStore(tmp_path / "notes.json"), DynamoStore("notes-test", client)]


def test_every_store_keeps_notes(tmp_path: Path, dynamodb: Any) -> None:
    for store in stores(tmp_path, dynamodb):
        first = store.add("First", "one")
        second = store.add("  Second  ", "two")
        assert second["title"] == "Second"
        assert [note["id"] for note in store.list()] == [second["id"], first["id"]]
        assert store.get(first["id"]) == first
        assert store.get("missing") is None
        assert store.delete(first["id"]) is True
        assert store.delete(first["id"]) is False
        assert [note["title"] for note in store.list()] == ["Second"]


@pytest.mark.parametrize(
    ("title", "body", "message"),
    [("", "x", "needs a title"), ("   ", "", "needs a title"), ("t" * 201, "", "200 characters"),
     ("ok", "b" * 10_001, "10000 characters")],
)  # fmt: skip
def test_invalid_notes_are_refused_before_storage(
    tmp_path: Path, dynamodb: Any, title: str, body: str, message: str
) -> None:
    for store in stores(tmp_path, dynamodb):
        with pytest.raises(InvalidNote, match=message):
            store.add(title, body)
        assert store.list() == []


def test_file_store_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "notes.json"
    note = FileStore(path).add("Kept", "on disk")
    assert FileStore(path).get(note["id"]) == note
    assert json.loads(path.read_text())[0]["title"] == "Kept"


@pytest.mark.parametrize("module", ["notes.flask_app", "notes.fastapi_app"])
def test_apps_on_dynamodb_through_the_handler(
    module: str, dynamodb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib

    from notes.shared import store

    monkeypatch.setenv("TABLE_NAME", "notes-test")
    monkeypatch.setenv("SESSION_SECRET", "s" * 32)
    store.cache_clear()
    try:
        app = importlib.reload(importlib.import_module(module)).app
        handler = LambdaHandler(app, access_log=False)
        created = handler(
            build_event(
                "http", method="POST", path="/api/notes",
                headers=[("Content-Type", "application/json")], body='{"title": "In Dynamo"}',
            ),
            None,
        )  # fmt: skip
        assert created["statusCode"] == 201
        note_id = json.loads(created["body"])["id"]
        item = dynamodb.get_item(TableName="notes-test", Key={"id": {"S": note_id}})["Item"]
        assert item["title"] == {"S": "In Dynamo"}
        health = json.loads(handler(build_event("rest", path="/api/health"), None)["body"])
        assert health["store"] == "DynamoStore"
        handler.close()
    finally:
        store.cache_clear()
