"""The `adapters` command, run as a user runs it: a subprocess."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .example_app import LAMBDA_DIR, TEMPLATE

ROOT = LAMBDA_DIR.parent
SECRET = "0123456789abcdef0123456789abcdef"


def adapters(
    *args: str, stdin: str | None = None, cwd: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "adapters", *args],
        input=stdin, capture_output=True, text=True, cwd=cwd, timeout=60, check=False,
        env={**os.environ, "SESSION_SECRET": SECRET},
    )  # fmt: skip


def test_help_for_every_command() -> None:
    top = adapters("--help")
    assert top.returncode == 0
    for command in ("invoke", "event", "serve", "browser"):
        assert command in top.stdout
        result = adapters(command, "--help")
        assert result.returncode == 0 and "usage: adapters" in result.stdout, command


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "the following arguments are required: COMMAND"),
        (("frobnicate",), "invalid choice"),
        (("event", "smtp"), "invalid choice"),
        (("event", "rest", "-H", "no colon"), "header 'no colon' must look like NAME:VALUE"),
        (("event", "rest", "-q", "novalue"), "must look like NAME=VALUE"),
        (("event", "rest", "--body-file", "/nonexistent"), "cannot read body file"),
        (("invoke", "nomodule:handler", "-e", "-"), "no module named 'nomodule'"),
        (("invoke", "wsgi_handler", "-e", "-"), "is not MODULE:NAME"),
        (("serve", "/nonexistent.yaml"), "no template at /nonexistent.yaml"),
        (("browser", "serve", "/tmp"), "is not a bundle"),
    ],
)
def test_bad_arguments_give_one_clear_line_and_a_nonzero_exit(
    args: tuple[str, ...], message: str
) -> None:
    result = adapters(*args, stdin="{}")
    assert result.returncode == 2, result
    assert message in result.stderr
    assert "Traceback" not in result.stderr


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


# --- serve ---------------------------------------------------------------------------------


def free_port_block(count: int) -> int:
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = probe.getsockname()[1]
        if base + count < 65535 and all(_port_free(base + i) for i in range(count)):
            return int(base)
    raise RuntimeError("no free block of ports")


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


class Served:
    def __init__(self, process: subprocess.Popen[str], port: int, lines: list[str]) -> None:
        self.process = process
        self.port = port
        self.lines = lines

    def request(
        self, offset: int, method: str, path: str, body: bytes = b"", headers: Any = None
    ) -> Any:
        connection = http.client.HTTPConnection("127.0.0.1", self.port + offset, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            connection.close()


def start_serve(template: Path, *extra: str, doors: int) -> Iterator[Served]:
    port = free_port_block(doors)
    process = subprocess.Popen(
        [sys.executable, "-m", "adapters", "serve", str(template), "--port", str(port), *extra],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "SESSION_SECRET": SECRET},
    )  # fmt: skip
    lines: list[str] = []
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line)
            if line.startswith("Ready."):
                break
        assert lines and lines[-1].startswith("Ready."), "".join(lines) + process.stderr.read()  # type: ignore[union-attr]
        yield Served(process, port, lines)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


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


def test_browser_serve_serves_a_bundle_with_module_types(tmp_path: Path) -> None:
    (tmp_path / "bundle.json").write_text("{}")
    (tmp_path / "sw.mjs").write_text("export {}")
    (tmp_path / "x.wasm").write_bytes(b"\0asm")
    port = free_port_block(1)
    process = subprocess.Popen(
        [sys.executable, "-m", "adapters", "browser", "serve", str(tmp_path), "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None and "Serving" in process.stdout.readline()
        for name, kind in (("sw.mjs", "text/javascript"), ("x.wasm", "application/wasm")):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.request("GET", "/" + name)
            assert connection.getresponse().getheader("Content-Type") == kind
            connection.close()
    finally:
        process.terminate()
        process.wait(10)


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
