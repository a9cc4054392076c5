"""`adapters invoke`: a handler run on an event, its result read back
(adapters/cli/invoke.py)."""

from __future__ import annotations

import json
from pathlib import Path

from .command import adapters


def test_invoke_prints_the_response_and_the_body() -> None:
    event = adapters("event", "http", "--path", "/api/health").stdout
    result = adapters(
        "invoke", "wsgi_handler:handler", "--event", "-", "--body", "--path", "lambda", stdin=event
    )
    assert result.returncode == 0, result.stderr
    response, _, body = result.stdout.partition("\n}\n")
    assert json.loads(response + "}")["statusCode"] == 200
    assert json.loads(body) == {"framework": "flask", "status": "ok", "store": "MemoryStore"}
    access = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    assert access[0]["path"] == "/api/health"  # the access log goes to stderr, not the result


def test_invoke_reports_binary_and_errors(tmp_path: Path) -> None:
    event = adapters("event", "rest", "--path", "/icon.png").stdout
    result = adapters(
        "invoke", "asgi_handler:handler", "-e", "-", "--body", "--path", "lambda", stdin=event
    )
    assert result.returncode == 0 and "(113 bytes of binary data)" in result.stdout
    (tmp_path / "bad.py").write_text("def handler(event, context):\n    raise KeyError('boom')\n")
    failed = adapters("invoke", "bad:handler", "-e", "-", "--path", str(tmp_path), stdin="{}")
    assert failed.returncode == 1
    assert json.loads(failed.stdout)["errorType"] == "KeyError"
    unknown = adapters(
        "invoke", "wsgi_handler:handler", "-e", "-", "--path", "lambda", stdin='{"Records": []}'
    )
    assert (
        unknown.returncode == 1 and json.loads(unknown.stdout)["errorType"] == "UnknownEventError"
    )
    broken = adapters(
        "invoke", "wsgi_handler:handler", "-e", "-", "--path", "lambda", stdin="{not json"
    )
    assert broken.returncode == 2 and "not valid JSON" in broken.stderr


def test_an_sqs_batch_through_the_queue_handler_names_its_failed_message() -> None:
    event = adapters("event", "sqs", "-m", '{"title": "From the CLI"}', "-m", "not json")
    assert event.returncode == 0, event.stderr
    records = json.loads(event.stdout)["Records"]
    result = adapters(
        "invoke", "queue_handler:handler", "-e", "-", "--path", "lambda", stdin=event.stdout
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "batchItemFailures": [{"itemIdentifier": records[1]["messageId"]}]
    }
    assert "1 of 2 records failed" in result.stderr
