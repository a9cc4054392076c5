"""`adapters browser dev` without a browser: the app-only rebuild, the watch, the loop's
announcements and the dev server's event stream. The page reloading itself in Chromium
is tests/chromium/test_dev_chromium.py.
"""

from __future__ import annotations

import http.client
import json
import re
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.browser import bundle
from adapters.browser.devloop import DevLoop, DevOptions
from adapters.browser.errors import BuildError
from adapters.browser.rebuild import rebuild_app_code
from adapters.browser.watch import changed, folder_state
from adapters.cli.browser_dev import BuildAnnouncer, make_dev_server

from ..node.pyodide_node import ROOT

APP_CODE = """
from helpers import greeting

def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
    return [greeting().encode()]
"""


def write_app(source: Path, text: str = "version 1") -> None:
    source.mkdir(parents=True, exist_ok=True)
    (source / "hello.py").write_text(APP_CODE)
    (source / "helpers.py").write_text(f"def greeting():\n    return {text!r}\n")


@pytest.fixture
def app_source(tmp_path: Path) -> Path:
    source = tmp_path / "src"
    write_app(source)
    (source / "tests").mkdir()
    (source / "tests" / "test_hello.py").write_text("def test_nothing():\n    pass\n")
    return source


@pytest.fixture
def built(app_source: Path, tmp_path: Path) -> Path:
    out = tmp_path / "site"
    bundle.build("hello:app", out, app_source, web=True, dev=True)
    return out


def manifest_of(out: Path) -> dict:
    return json.loads((out / "bundle.json").read_text())


def app_entry(manifest: dict) -> dict:
    return next(w for w in manifest["wheels"] if w["name"] == "app-code")


# --- Rebuilding only the app's wheel ---------------------------------------------------


def test_an_edit_gives_a_new_build_that_differs_only_in_the_app_wheel(
    built: Path, app_source: Path
) -> None:
    before = manifest_of(built)
    assert before["dev"] == {"client": "__adapters/dev/client.js"}
    write_app(app_source, "version 2")
    after = rebuild_app_code(built, app_source)
    assert after is not None and after == manifest_of(built)
    assert after["build"] != before["build"]
    old, new = app_entry(before), app_entry(after)
    assert new["file"] != old["file"] and not (built / old["file"]).exists()
    assert new["sha256"] == bundle.read_wheel(built / new["file"]).sha256
    others = [w for w in after["wheels"] if w["name"] != "app-code"]
    assert others == [w for w in before["wheels"] if w["name"] != "app-code"]
    changed_files = [f for f in after["files"] if f not in before["files"]]
    assert sorted(f["path"] for f in changed_files) == sorted(
        [new["file"], "pyodide/pyodide-lock.json"]
    )
    lock = json.loads((built / "pyodide" / "pyodide-lock.json").read_text())
    entry = lock["packages"]["app-code"]
    assert (entry["file_name"], entry["sha256"]) == (Path(new["file"]).name, new["sha256"])
    assert after["dev"] == before["dev"]
    # the same bundle a full build of the edited code makes
    full = bundle.build("hello:app", built.parent / "full", app_source, web=True, dev=True)
    assert full["build"] == after["build"]


def test_an_edit_the_app_does_not_ship_makes_no_new_build(built: Path, app_source: Path) -> None:
    before = manifest_of(built)
    (app_source / "tests" / "test_hello.py").write_text("def test_other():\n    pass\n")
    (app_source / "notes.txt").write_text("not code\n")
    assert rebuild_app_code(built, app_source) is None
    assert manifest_of(built) == before


def test_app_code_that_does_not_build_leaves_the_bundle_alone(
    built: Path, app_source: Path
) -> None:
    before = manifest_of(built)
    (app_source / "hello.py").write_text("def app(:\n")
    with pytest.raises(BuildError, match=r"hello\.py:1"):
        rebuild_app_code(built, app_source)
    (app_source / "hello.py").write_text("handler = None\n")
    with pytest.raises(BuildError, match="no top-level name 'app'"):
        rebuild_app_code(built, app_source)
    assert manifest_of(built) == before
    assert (built / app_entry(before)["file"]).is_file()


def test_a_bundle_that_is_not_there_or_has_a_snapshot_is_refused(
    built: Path, app_source: Path, tmp_path: Path
) -> None:
    with pytest.raises(BuildError, match="build the bundle first"):
        rebuild_app_code(tmp_path / "nothing", app_source)
    manifest = manifest_of(built)
    manifest["snapshot"] = {"file": "pyodide/snapshot.bin.gz"}
    (built / "bundle.json").write_text(json.dumps(manifest))
    with pytest.raises(BuildError, match="snapshot needs a full build"):
        rebuild_app_code(built, app_source)


# --- The watch ------------------------------------------------------------------------


def test_the_watch_sees_code_and_data_but_not_caches_venvs_or_the_bundle(
    app_source: Path, tmp_path: Path
) -> None:
    for folder in ("__pycache__", ".git", "venv", "node_modules", "site"):
        (app_source / folder).mkdir()
        (app_source / folder / "x.py").write_text("")
    (app_source / "venv" / "pyvenv.cfg").write_text("")
    (app_source / "templates").mkdir()
    (app_source / "templates" / "page.html").write_text("<p>")
    state = folder_state(app_source, skip=[app_source / "site"])
    names = {Path(path).relative_to(app_source).as_posix() for path in state}
    assert names == {"hello.py", "helpers.py", "tests/test_hello.py", "templates/page.html"}
    time.sleep(0.01)
    (app_source / "templates" / "page.html").write_text("<p>changed")
    (app_source / "helpers.py").unlink()
    after = folder_state(app_source, skip=[app_source / "site"])
    assert changed(state, after) == sorted(
        [str(app_source / "helpers.py"), str(app_source / "templates" / "page.html")]
    )


# --- The loop -------------------------------------------------------------------------


def test_the_loop_announces_each_build_and_each_failed_rebuild(
    app_source: Path, tmp_path: Path
) -> None:
    heard: list[tuple[str, str]] = []
    options = DevOptions(app="hello:app", out=tmp_path / "site", source=app_source)
    loop = DevLoop(options, lambda event, data: heard.append((event, data)), interval=0.01)
    first = loop.full_build()
    loop.start_watching()
    assert loop.poll() is False and heard == []
    write_app(app_source, "version 2")
    assert loop.poll() is True
    assert heard == [("build", loop.build_id)] and loop.build_id != first
    (app_source / "helpers.py").write_text("def greeting(:\n")
    (app_source / "hello.py").write_text("def app(:\n")
    assert loop.poll() is False
    assert heard[-1][0] == "build-error" and "hello.py:1" in heard[-1][1]
    assert manifest_of(options.out)["build"] == loop.build_id  # the last good build stays


def loop_with_requirements(
    app_source: Path, tmp_path: Path
) -> tuple[DevLoop, Path, list[tuple[str, str]]]:
    """A loop over the app with an empty requirements file; what it announces is kept."""
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("")
    heard: list[tuple[str, str]] = []
    options = DevOptions(
        app="hello:app", out=tmp_path / "site", source=app_source,
        requirements_files=[requirements],
    )  # fmt: skip
    loop = DevLoop(options, lambda event, data: heard.append((event, data)), interval=0.01)
    return loop, requirements, heard


def test_the_loop_rebuilds_everything_when_a_requirements_file_changes(
    app_source: Path, tmp_path: Path
) -> None:
    loop, requirements, heard = loop_with_requirements(app_source, tmp_path)
    loop.full_build()
    loop.start_watching()
    requirements.write_text("no such package here ===\n")
    assert loop.poll() is False
    assert heard[-1][0] == "build-error"
    assert "no such package" in heard[-1][1]


# --- The dev server -------------------------------------------------------------------


@pytest.fixture
def dev_server(built: Path) -> Iterator[tuple[str, BuildAnnouncer]]:
    announcer = BuildAnnouncer(manifest_of(built)["build"])
    server = make_dev_server(built, "127.0.0.1", 0, announcer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}", announcer
    finally:
        announcer.close()
        server.shutdown()
        server.server_close()
        thread.join(10)


def read_event(stream: http.client.HTTPResponse) -> tuple[str, list[str]]:
    event, data = "", []
    while True:
        line = stream.readline().decode().rstrip("\n")
        if not line:
            if event:
                return event, data
            continue
        if line.startswith("event: "):
            event = line[len("event: ") :]
        elif line.startswith("data: "):
            data.append(line[len("data: ") :])


def test_the_event_stream_says_the_build_then_every_new_one(
    dev_server: tuple[str, BuildAnnouncer], built: Path
) -> None:
    address, announcer = dev_server
    connection = http.client.HTTPConnection(address, timeout=10)
    connection.request("GET", "/__adapters/dev/events")
    stream = connection.getresponse()
    assert stream.status == 200
    assert stream.getheader("Content-Type") == "text/event-stream"
    assert read_event(stream) == ("build", [manifest_of(built)["build"]])
    announcer.announce("build-error", "cannot import 'hello'\nline two")
    assert read_event(stream) == ("build-error", ["cannot import 'hello'", "line two"])
    announcer.announce("build", "abc123")
    assert read_event(stream) == ("build", ["abc123"])
    connection.close()


def test_the_dev_server_serves_the_client_script_and_the_bundle(
    dev_server: tuple[str, BuildAnnouncer],
) -> None:
    address, _ = dev_server
    for path, kind in (
        ("/__adapters/dev/client.js", "text/javascript; charset=utf-8"),
        ("/bundle.json", "application/json"),
        ("/app/some/deep/link", "text/html; charset=utf-8"),  # the stand-in installer
    ):
        connection = http.client.HTTPConnection(address, timeout=10)
        connection.request("GET", path)
        reply = connection.getresponse()
        body = reply.read()
        assert (reply.status, reply.getheader("Content-Type")) == (200, kind), path
        assert reply.getheader("X-Content-Type-Options") == "nosniff"
        connection.close()
    assert b"EventSource" in (bundle.WEB_SOURCES / "dev-client.js").read_bytes()
    assert b'<meta name="adapters-site" content="stand-in">' in body


def test_the_dev_command_fails_clearly_for_an_app_it_cannot_find(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "adapters", "browser", "dev", "missing:app", "--path",
         str(tmp_path), "--port", "0"],
        capture_output=True, text=True, timeout=60, cwd=ROOT, check=False,
    )  # fmt: skip
    assert done.returncode == 1
    assert "cannot import 'missing'" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_dev_command_serves_rebuilds_and_cleans_up(app_source: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "adapters", "browser", "dev", "hello:app", "--path",
         str(app_source), "--port", "0", "--interval", "0.05"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert "Serving hello:app at http://127.0.0.1:" in line, line
        address = line.split("http://", 1)[1].split("/", 1)[0]
        connection = http.client.HTTPConnection(address, timeout=10)
        connection.request("GET", "/__adapters/dev/events")
        stream = connection.getresponse()
        _, [first] = read_event(stream)
        write_app(app_source, "version 2")
        _, [second] = read_event(stream)
        assert second != first
        connection.close()
    finally:
        process.terminate()
        _, errors = process.communicate(timeout=30)
    assert process.returncode == 0
    assert "rebuilt the app's code in" in errors
    folder = re.search(r"built (\S+) in", errors)
    assert folder is not None, errors
    assert Path(folder.group(1)).name.startswith("adapters-dev-")
    assert not Path(folder.group(1)).exists(), "the temporary bundle is removed at the end"


def test_a_requirement_that_cannot_be_had_leaves_the_served_bundle_whole(
    app_source: Path, tmp_path: Path
) -> None:
    loop, requirements, heard = loop_with_requirements(app_source, tmp_path)
    options = loop.options
    first = loop.full_build()
    loop.start_watching()
    requirements.write_text("numpy\n")  # resolves, then fails: one of Pyodide's own
    assert loop.poll() is False
    assert heard[-1][0] == "build-error" and "numpy is one of Pyodide's own" in heard[-1][1]
    assert manifest_of(options.out)["build"] == first == loop.build_id
    assert (options.out / "pyodide" / "pyodide-lock.json").is_file()
    requirements.write_text("")
    write_app(app_source, "version 3")
    assert loop.poll() is True  # and the loop goes on from the bundle it kept
    assert not (tmp_path / "site.next").exists() and not (tmp_path / "site.old").exists()


def test_an_edit_that_imports_more_of_adapters_rebuilds_its_wheel_too(
    built: Path, app_source: Path
) -> None:
    heard: list[tuple[str, str]] = []
    options = DevOptions(app="hello:app", out=built, source=app_source)
    loop = DevLoop(options, lambda event, data: heard.append((event, data)), interval=0.01)
    loop.start_watching()
    (app_source / "helpers.py").write_text(
        "from adapters.compat import mangum\n\ndef greeting():\n    return 'x'\n"
    )
    assert loop.poll() is True and heard[-1][0] == "build"
    manifest = manifest_of(built)
    assert manifest["app_code"]["adapters_imports"] == ["adapters.compat", "adapters.compat.mangum"]
    own = next(w["file"] for w in manifest["wheels"] if w["name"] == "webapp-adapters")
    with zipfile.ZipFile(built / own) as archive:
        assert "adapters/compat/mangum.py" in archive.namelist()


def test_a_node_that_cannot_compile_costs_only_the_bytecode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write_app(tmp_path / "src", f"unique {tmp_path.name}")  # a wheel no cache holds
    monkeypatch.setattr(bundle, "find_node", lambda: "/bin/false")
    manifest = bundle.build("hello:app", tmp_path / "site", tmp_path / "src")
    assert "wheels not precompiled (compiling the wheels:" in capsys.readouterr().err
    app = next(w["file"] for w in manifest["wheels"] if w["name"] == "app-code")
    with zipfile.ZipFile(tmp_path / "site" / app) as archive:
        assert not [n for n in archive.namelist() if n.endswith(".pyc")]
