"""`adapters serve`: the example template's front doors on local ports, as a browser uses them."""

from __future__ import annotations

import json
import os
import shutil
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ..cli.command import ROOT, SECRET, adapters
from ..example_app import LAMBDA_DIR, TEMPLATE
from .serving import Served, start_serve


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    yield from start_serve(TEMPLATE, "--parameter-overrides", f"SessionSecret={SECRET}", doors=8)


def header(headers: list[tuple[str, str]], name: str) -> list[str]:
    return [value for key, value in headers if key.lower() == name.lower()]


def test_serve_lists_every_front_door(served: Served) -> None:
    text = "".join(served.lines)
    for door in (
        "FlaskHttpApi",
        "FlaskRestApi",
        "FastApiHttpApi",
        "FastApiRestApi",
        "StreamingRestApi (REST API, payload 1.0)",
        "FlaskFunctionUrl",
        "FastApiFunctionUrl",
        "StreamingFunctionUrl (Function URL, streaming)",
    ):
        assert door in text
    assert "ANY    /{proxy+} -> FlaskFunction" in text
    assert "ANY    /{proxy+} -> StreamingFunction (streaming)" in text


@pytest.mark.parametrize("offset", range(8))
def test_serve_binary_cookies_and_pages(served: Served, offset: int) -> None:
    status, headers, body = served.request(offset, "GET", "/icon.png")
    assert status == 200 and body == (LAMBDA_DIR / "notes" / "static" / "icon.png").read_bytes()
    status, headers, _ = served.request(
        offset,
        "POST",
        "/notes",
        b"title=Served+note",
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert status == 303
    [cookie] = header(headers, "Set-Cookie")
    status, _, page = served.request(offset, "GET", "/", headers={"Cookie": cookie.split(";")[0]})
    assert status == 200 and "Saved “Served note”." in page.decode()


def test_serve_answers_app_errors_and_unknown_routes(tmp_path: Path) -> None:
    code = tmp_path / "app"
    code.mkdir()
    (code / "app.py").write_text(
        textwrap.dedent(
            """
            from adapters import LambdaHandler

            def app(environ, start_response):
                if environ["PATH_INFO"] == "/crash":
                    raise RuntimeError("secret")
                start_response("200 OK", [("Content-Type", "text/plain")])
                return [b"version 1"]

            handler = LambdaHandler(app)

            def raw(event, context):
                raise ValueError("not even an HTTP response")
            """
        )
    )
    template = tmp_path / "template.yaml"
    template.write_text(
        textwrap.dedent(
            """
            Transform: AWS::Serverless-2016-10-31
            Resources:
              App:
                Type: AWS::Serverless::Function
                Properties:
                  Runtime: python3.12
                  CodeUri: app/
                  Handler: app.handler
                  Events:
                    Items: {Type: HttpApi, Properties: {Path: "/items/{id}", Method: GET}}
                    Crash: {Type: HttpApi, Properties: {Path: /crash, Method: GET}}
                    Queue: {Type: SQS, Properties: {Queue: !GetAtt Queue.Arn}}
              Raw:
                Type: AWS::Serverless::Function
                Properties:
                  Runtime: python3.12
                  CodeUri: app/
                  Handler: app.raw
                  Events:
                    Raw: {Type: HttpApi, Properties: {Path: /raw, Method: ANY}}
              Node:
                Type: AWS::Serverless::Function
                Properties: {Runtime: nodejs20.x, CodeUri: app/, Handler: index.handler}
            """
        )
    )
    for served_app in start_serve(template, doors=1):
        text = "".join(served_app.lines)
        status, _, body = served_app.request(0, "GET", "/items/42")
        assert (status, body) == (200, b"version 1")
        assert served_app.request(0, "GET", "/crash")[:1] == (500,)  # the adapter's own 500
        assert served_app.request(0, "GET", "/raw")[0] == 502  # a Lambda error: API Gateway's 502
        assert served_app.request(0, "GET", "/nowhere")[0] == 404
        (code / "app.py").write_text(
            (code / "app.py").read_text().replace("version 1", "version 2")
        )
        deadline = time.monotonic() + 15
        while served_app.request(0, "GET", "/items/1")[2] != b"version 2":
            assert time.monotonic() < deadline, "no reload"
            time.sleep(0.3)
    assert "Ready." in text


def test_serve_reports_unsupported_template_features_at_start(tmp_path: Path) -> None:
    template = tmp_path / "template.yaml"
    template.write_text(
        "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n"
        "      Runtime: python3.12\n      CodeUri: .\n      Handler: app.handler\n"
        "      Events:\n        Q: {Type: SQS, Properties: {Queue: arn}}\n"
    )
    result = adapters("serve", str(template))
    assert result.returncode == 2
    assert "SQS events are not HTTP" in result.stderr
    assert "no function with an Api, HttpApi or FunctionUrlConfig event" in result.stderr
    template.write_text("Resources: [not, a, map")
    assert "is not valid YAML" in adapters("serve", str(template)).stderr


def test_serve_can_use_the_real_runtime_emulator(tmp_path: Path) -> None:
    rie = ROOT / ".tools" / "rie" / "aws-lambda-rie"
    if not rie.exists() and shutil.which("aws-lambda-rie") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("the RIE is missing (scripts/install-rie.sh)")
        pytest.skip("the RIE is missing: run scripts/install-rie.sh")
    os.environ.setdefault("ADAPTERS_RIE", str(rie))
    for served_app in start_serve(
        TEMPLATE, "--emulator", "--parameter-overrides", f"SessionSecret={SECRET}", doors=8
    ):
        status, _, body = served_app.request(0, "GET", "/api/health")
        assert status == 200 and json.loads(body)["framework"] == "flask"
        status, _, body = served_app.request(3, "GET", "/icon.png")
        assert status == 200 and body.startswith(b"\x89PNG")
