"""The bundle's web front end without a browser: --env/--secret-env, the copied pages,
the PyScript files picked from @pyscript/core, and the worker's Python entry point."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import json
import logging
import os
import re
import tarfile
from pathlib import Path

import pytest

from adapters.browser import bundle
from adapters.browser.bundle import BuildError
from adapters.browser.worker import BootError, create_handler, load_app, parse_settings


def test_env_values_and_secrets() -> None:
    env = bundle.parse_env(["MODE=browser", "EMPTY=", "URL=a=b"], ["SESSION_SECRET"] * 2)
    assert env == {
        "values": {"MODE": "browser", "EMPTY": "", "URL": "a=b"},
        "generate": ["SESSION_SECRET"],
    }


@pytest.mark.parametrize(
    ("values", "secrets", "message"),
    [
        (["NOVALUE"], [], "--env takes NAME=VALUE"),
        (["1BAD=x"], [], "--env takes NAME=VALUE"),
        ([], ["bad-name"], "--secret-env takes a variable name"),
        (["SESSION_SECRET=x"], ["SESSION_SECRET"], "both as --env and as --secret-env"),
    ],
)
def test_env_mistakes_fail_clearly(values: list[str], secrets: list[str], message: str) -> None:
    with pytest.raises(BuildError, match=message):
        bundle.parse_env(values, secrets)


def _tarball(path: Path, files: dict[str, str]) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for name, text in files.items():
            data = text.encode()
            member = tarfile.TarInfo(f"package/{name}")
            member.size = len(data)
            archive.addfile(member, io.BytesIO(data))
    return path


def test_pyscript_files_are_the_import_closure_minus_plugin_extras(tmp_path: Path) -> None:
    tarball = _tarball(
        tmp_path / "core.tgz",
        {
            "dist/core.js": 'import{a}from"./core-X.js";',
            "dist/core.css": "body{}",
            "dist/core-X.js": 'import("./zip-Y.js");import("./py-editor-Z.js");'
            'import("./codemirror-Q.js")',
            "dist/zip-Y.js": "",
            "dist/py-editor-Z.js": 'import{n}from"./error-E.js";import("./toml-T.js")',
            "dist/error-E.js": "",
            "dist/toml-T.js": "",
            "dist/codemirror-Q.js": "",
            "dist/core.js.map": "{}",
            "src/core.js": "",
        },
    )
    files = bundle.extract_pyscript(tarball, tmp_path / "out")
    expected = ["core-X.js", "core.css", "core.js", "error-E.js", "py-editor-Z.js", "zip-Y.js"]
    assert files == expected
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == expected


def test_pyscript_import_of_a_missing_chunk_fails_clearly(tmp_path: Path) -> None:
    files = {"dist/core.js": 'import"./gone.js";', "dist/core.css": ""}
    tarball = _tarball(tmp_path / "core.tgz", files)
    with pytest.raises(BuildError, match=r"dist/gone\.js is imported but not shipped"):
        bundle.extract_pyscript(tarball, tmp_path / "out")


def test_web_sources_are_in_the_repository() -> None:
    for name in (*bundle.WEB_FILES, *bundle.PYSCRIPT_FILES):
        assert (bundle.WEB_SOURCES / name).is_file(), name
    worker = (bundle.WEB_SOURCES / "sw.js").read_text()
    # A module service worker may not use import() or top-level await.
    code = "\n".join(line for line in worker.splitlines() if not line.lstrip().startswith("//"))
    assert "import(" not in code.replace("pyimport(", "")
    assert 'import createPyodideModule from "./pyodide/pyodide.asm.mjs";' in worker


def test_worker_settings_and_app_loading() -> None:
    with pytest.raises(BootError, match="not valid JSON"):
        parse_settings("{")
    with pytest.raises(BootError, match="names no app"):
        parse_settings({"format": 1})
    with pytest.raises(BootError, match="cannot import the app module 'no_such_module'"):
        load_app("no_such_module:app")
    with pytest.raises(BootError, match="has no attribute 'nope'"):
        load_app("json:nope")
    assert load_app("json:dumps") is json.dumps


def test_create_handler_sets_env_restores_the_jar_and_starts_the_lifespan(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("BROWSER_TEST_FIXED", raising=False)
    monkeypatch.delenv("BROWSER_TEST_SECRET", raising=False)
    jar = json.dumps(
        [{"name": "s", "value": "1", "domain": "127.0.0.1", "path": "/", "host_only": True,
          "expires": None, "secure": False, "created": 0.0}]
    )  # fmt: skip
    settings = {
        "app": "tests.browser_app.stream_app:app",
        "base_path": "/",
        "env": {"values": {"BROWSER_TEST_FIXED": "yes"}, "generate": ["BROWSER_TEST_SECRET"]},
    }
    saved: list[str] = []

    async def main() -> None:
        handler = await create_handler(
            json.dumps(settings), jar, saved.append, "/site/app", {"BROWSER_TEST_SECRET": "s3"}
        )
        assert handler.base_path == "/site/app"
        assert handler.jar.header_for("http://127.0.0.1/site/app/") == "s=1"
        assert handler.interface == "asgi"
        await handler.shutdown()

    try:
        asyncio.run(main())
        assert os.environ["BROWSER_TEST_FIXED"] == "yes"
        assert os.environ["BROWSER_TEST_SECRET"] == "s3"
    finally:
        os.environ.pop("BROWSER_TEST_FIXED", None)
        os.environ.pop("BROWSER_TEST_SECRET", None)


def test_create_handler_boots_with_an_empty_jar_when_the_saved_one_is_corrupt(
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = {"app": "tests.browser_app.stream_app:app", "cookies": {"persist_http_only": False}}

    async def main() -> None:
        handler = await create_handler(json.dumps(settings), '[{"name": "trunc', None, "/app")
        assert len(handler.jar) == 0
        assert handler.persist_http_only is False
        await handler.shutdown()

    with caplog.at_level(logging.WARNING, logger="adapters"):
        asyncio.run(main())
    assert sum("cookie jar" in record.getMessage() for record in caplog.records) == 1


# --- Content-Security-Policy of the shell pages ------------------------------------------


def _csp(page: str) -> dict[str, list[str]]:
    match = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', page)
    assert match, "no CSP meta tag"
    directives = (part.split() for part in match.group(1).split(";") if part.strip())
    return {words[0]: words[1:] for words in directives}


def _hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


@pytest.mark.parametrize("name", ["index.html", "pyscript.html"])
def test_shell_page_csp_allows_its_inline_code_and_nothing_from_other_origins(name: str) -> None:
    page = (bundle.WEB_SOURCES / name).read_text()
    csp = _csp(page)
    assert csp["default-src"] == ["'none'"]
    head = page[: page.index("</head>")]
    assert head.index("Content-Security-Policy") < head.index("<style>")  # before what it rules
    for style in re.findall(r"<style>(.*?)</style>", page, re.S):
        assert _hash(style) in csp["style-src"], "update the style hash in the CSP meta tag"
    inline = r'<script(?![^>]*\bsrc=)(?![^>]*type="py")[^>]*>(.*?)</script>'
    scripts = re.findall(inline, page, re.S)
    for script in scripts:
        assert _hash(script) in csp["script-src"], "update the script hash in the CSP meta tag"
    sources = [source for values in csp.values() for source in values]
    assert not [s for s in sources if "://" in s or s in ("*", "https:", "http:")], sources
    assert "'unsafe-inline'" not in csp["script-src"]
    if name == "pyscript.html":
        assert "'wasm-unsafe-eval'" in csp["script-src"]


def test_worker_own_pages_carry_a_csp_and_app_answers_keep_their_headers() -> None:
    worker = (bundle.WEB_SOURCES / "sw.js").read_text()
    assert worker.count('"content-security-policy": OWN_PAGE_CSP') == 2  # boot error, 500
    assert "default-src 'none'" in worker
    # The app's answers come from BrowserHandler unchanged but for Server-Timing.
    answer = worker[worker.index("async function answer(") :]
    assert "content-security-policy" not in answer.split("return response;")[0].lower()
