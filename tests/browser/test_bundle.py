"""The browser bundle builder (`python -m adapters.browser build`), without running the bundle.

The build needs the npm registry and PyPI the first time; later builds come from the cache
(~/.cache/adapters-browser or $ADAPTERS_CACHE). The bundle in Pyodide in Node.js is
tests/node/test_bundle_in_node.py.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import platform
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from adapters.browser import bundle, pypi
from adapters.browser.bundle import BuildError, Requirement, evaluate_marker

from ..example_app import LAMBDA_DIR
from ..node.pyodide_node import ROOT, build_bundle

ENV = bundle.marker_environment("3.14.2")
REQUIREMENTS = bundle.read_requirements_file(LAMBDA_DIR / "requirements.txt")


def manifest_of(site: Path) -> dict:
    return json.loads((site / "bundle.json").read_text())


def lock_of(site: Path) -> dict:
    return json.loads((site / "pyodide" / "pyodide-lock.json").read_text())


# --- The built folder ------------------------------------------------------------------


def test_bundle_holds_runtime_wheels_and_manifest(notes_bundle: Path) -> None:
    manifest = manifest_of(notes_bundle)
    assert manifest["app"] == "notes.flask_app:app"
    assert manifest["base_path"] == "/app"
    assert manifest["web"] == {
        "worker": "sw.js",
        "index": "index.html",
        "scope": "app/",
        "installer": "app/index.html",
    }
    assert manifest["pyodide"]["version"] == bundle.PYODIDE_VERSION == "314.0.7"
    assert manifest["pyodide"]["python"].startswith("3.14.")
    runtime = notes_bundle / manifest["pyodide"]["index"]
    for name in [*bundle.RUNTIME_FILES, "pyodide-lock.json"]:
        assert (runtime / name).is_file(), name
    wanted = {bundle.parse_requirement(r).name for r in REQUIREMENTS}
    wanted |= {"webapp-adapters", "app-code", "markupsafe", "werkzeug", "starlette", "pydantic"}
    assert wanted <= set(manifest["packages"])
    for wheel in manifest["wheels"]:
        path = notes_bundle / wheel["file"]
        assert path.stat().st_size == wheel["size"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == wheel["sha256"]
    # The one compiled dependency is the Pyodide build; markupsafe is the pure fallback.
    files = {Path(w["file"]).name for w in manifest["wheels"]}
    assert any(f.startswith("pydantic_core-") and bundle.PLATFORM_TAG in f for f in files)
    assert any(f.startswith("markupsafe-") and f.endswith("-py3-none-any.whl") for f in files)
    # Nothing else: no stock lock pointing at a CDN, no stray files.
    on_disk = {p.name for p in runtime.iterdir()}
    assert on_disk == {*bundle.RUNTIME_FILES, "pyodide-lock.json", *files}
    assert {p.name for p in notes_bundle.iterdir()} == {
        "app",  # app/index.html: the installer standing in for app pages
        "bundle.json",
        "index.html",
        "pyodide",
        "snapshot.mjs",
        "sw.js",
        "vendor",  # Swagger UI and ReDoc, for FastAPI's docs pages (test_mirrors.py)
    }


def test_lockfile_lists_exactly_the_wheels_with_real_hashes(notes_bundle: Path) -> None:
    lock = lock_of(notes_bundle)
    runtime = notes_bundle / "pyodide"
    assert lock["info"]["abi_version"] == "2026_0"
    assert lock["info"]["python"].startswith("3.14.")
    packages = lock["packages"]
    assert sorted(packages) == manifest_of(notes_bundle)["packages"]
    assert {p["file_name"] for p in packages.values()} == {p.name for p in runtime.glob("*.whl")}
    for key, entry in packages.items():
        assert key == bundle.canonical(entry["name"])
        assert "/" not in entry["file_name"] and ":" not in entry["file_name"]
        data = (runtime / entry["file_name"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], key
        assert entry["imports"], key
        assert entry["install_dir"] == "site"
        assert entry["package_type"] == "package"
        assert set(entry["depends"]) <= set(packages), key
    # The depends closure of the app's requirements reaches every package but our own two.
    seen: set[str] = set()
    todo = [bundle.parse_requirement(r).name for r in REQUIREMENTS]
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo += packages[name]["depends"]
    assert set(packages) - seen == {"webapp-adapters", "app-code"}
    assert {"werkzeug", "jinja2", "markupsafe"} <= set(packages["flask"]["depends"])
    assert packages["app-code"]["imports"] == ["notes"]  # the Lambda handlers are not imported
    assert packages["webapp-adapters"]["imports"] == ["adapters"]


def _as_pyodide_lock_reads_it(lock: dict) -> dict:
    """pyodide-lock 0.1.2, the newest on PyPI, predates Pyodide 314's lockfile format: it
    still wants `info.version` and forbids the `tool` tables Pyodide 314 added."""
    adapted = json.loads(json.dumps(lock))
    adapted["info"].setdefault("version", bundle.PYODIDE_VERSION)
    adapted.pop("tool", None)
    for entry in adapted["packages"].values():
        entry.pop("tool", None)
    return adapted


def test_the_lockfile_passes_pyodide_locks_checks(notes_bundle: Path) -> None:
    """pyodide-lock (Pyodide's own model of the lockfile) as the oracle: the bundle's lock
    is valid, its wheel file names match their packages, and it differs from the format
    pyodide-lock knows only where Pyodide's own stock lockfile does."""
    from pydantic import ValidationError
    from pyodide_lock import PyodideLockSpec

    stock = json.loads(_stock_lock_text())

    def drift(lock: dict) -> set[tuple[str, str]]:
        try:
            PyodideLockSpec(**lock)
        except ValidationError as error:
            return {(str(e["loc"][0]) + "." + str(e["loc"][-1]), e["type"]) for e in error.errors()}
        return set()

    ours = lock_of(notes_bundle)
    assert drift(ours) <= drift(stock), "only the drift Pyodide's own lockfile has"
    spec = PyodideLockSpec(**_as_pyodide_lock_reads_it(ours))
    spec.check_wheel_filenames()
    assert set(spec.packages) == set(ours["packages"])
    PyodideLockSpec(**_as_pyodide_lock_reads_it(stock))  # the adaptation is only that


def _stock_lock_text() -> str:
    import tarfile

    from adapters.browser.npm import cache_dir, pyodide_tarball

    with tarfile.open(pyodide_tarball(cache_dir()), "r:gz") as archive:
        member = archive.extractfile("package/pyodide-lock.json")
        assert member is not None
        return member.read().decode()


def test_own_wheel_holds_the_package_and_is_reproducible(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    one, two = bundle.own_wheel(first), bundle.own_wheel(second)
    assert one.read_bytes() == two.read_bytes()
    with zipfile.ZipFile(one) as archive:
        names = set(archive.namelist())
        record = archive.read(next(n for n in names if n.endswith(".dist-info/RECORD")))
        for line in record.decode().splitlines():
            name, digest, _size = line.split(",")
            if digest:
                data = archive.read(name)
                encoded = base64.urlsafe_b64encode(hashlib.sha256(data).digest())
                assert encoded.rstrip(b"=").decode() == digest.removeprefix("sha256=")
    for module in ("__init__.py", "handler.py", "py.typed", "browser/__init__.py"):
        assert f"adapters/{module}" in names
    assert "+" in one.name, "named after its content, so no cache serves an older one"
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]


def test_own_wheel_ships_only_what_runs_in_the_browser_and_what_the_app_imports(
    tmp_path: Path,
) -> None:
    def modules(wheel: Path) -> set[str]:
        with zipfile.ZipFile(wheel) as archive:
            return {n.removeprefix("adapters/") for n in archive.namelist() if n.endswith(".py")}

    shipped = modules(bundle.own_wheel(tmp_path))
    # what the worker and BrowserHandler run, WSGI and ASGI, the lazily loaded sources too
    for module in ("browser/worker.py", "browser/runtime.py", "browser/cookies.py",
                   "wsgi.py", "asgi.py", "lifespan.py", "sources/apigateway_v2.py"):  # fmt: skip
        assert module in shipped, module
    # the builder, the CLI, the dev servers, the Lambda runtime client: never in the browser
    for module in ("browser/bundle.py", "browser/pypi.py", "browser/markers.py",
                   "cli/__init__.py", "devserver/server.py", "runtime/client.py",
                   "compat/mangum.py"):  # fmt: skip
        assert module not in shipped, module
    (tmp_path / "app").mkdir()
    with_compat = modules(bundle.own_wheel(tmp_path / "app", ["adapters.compat.mangum"]))
    assert {"compat/__init__.py", "compat/mangum.py", "compat/_mangum_events.py"} <= with_compat
    assert with_compat > shipped


def test_the_app_wheel_is_named_after_its_content(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    names = []
    for version in ("1", "2"):
        (source / "site_app.py").write_text(f"app = {version}\n")
        out = tmp_path / f"out{version}"
        out.mkdir()
        path, _ = bundle.app_wheel(out, source, set())
        names.append(path.name)
    assert names[0] != names[1]
    assert names[0].startswith("app_code-0.0.0+") and names[0].endswith("-py3-none-any.whl")


def test_app_wheel_takes_packages_and_leaves_out_the_adapters_link(tmp_path: Path) -> None:
    path, top_level = bundle.app_wheel(tmp_path, LAMBDA_DIR, {"adapters"})
    assert top_level == ["asgi_handler", "notes", "queue_handler", "wsgi_handler"]
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
    assert {"notes/flask_app.py", "notes/templates/index.html", "notes/static/icon.png"} <= names
    assert not [n for n in names if n.startswith("adapters/") or "__pycache__" in n]
    assert "requirements.txt" not in names


# --- Markers and depends ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("marker", "expected"),
    [
        ('sys_platform == "emscripten"', True),
        ("sys_platform == 'win32'", False),
        ('platform_system != "Windows"', True),
        ('python_version >= "3.8"', True),
        ('python_version < "3.11"', False),
        ('python_version < "3.14.1"', True),
        ('python_full_version >= "3.14.2"', True),
        ('python_version == "3.14.*"', True),
        ('python_version ~= "3.10"', True),
        ('"3.14" == python_version', True),
        ('extra == "standard"', False),
        ('platform_python_implementation == "CPython" and python_version >= "3.9"', True),
        ('(sys_platform == "win32" or sys_platform == "cygwin") and extra == "x"', False),
        (
            'implementation_name == "pypy" or (os_name == "posix" and "wasm" in platform_machine)',
            True,
        ),
        ('platform_machine not in "x86_64 aarch64"', True),
    ],
)
def test_markers_for_pyodide(marker: str, expected: bool) -> None:
    assert evaluate_marker(marker, ENV) is expected


def test_marker_extras() -> None:
    assert evaluate_marker('extra == "Standard"', ENV, {"standard"})
    assert not evaluate_marker('extra == "standard"', ENV)
    # as pip resolves it: the package without the extra wants what `extra != ...` names
    assert evaluate_marker('extra != "standard"', ENV, {"standard"})


def test_the_marker_environment_is_pyodides_not_this_machines() -> None:
    env = bundle.marker_environment("3.14.2", "5.0.3")
    assert evaluate_marker('platform_release >= "5" and platform_system == "Emscripten"', env)
    assert evaluate_marker('python_version >= "3.14rc1"', env)
    host = platform.version()  # this machine's kernel build: never Pyodide's
    assert not evaluate_marker(f'platform_version == "{host}"', env)


@pytest.mark.parametrize(
    "marker",
    [
        'foo == "1"',
        "extra ==",
        "(x",
    ],
)
def test_markers_it_cannot_decide_fail_clearly(marker: str) -> None:
    with pytest.raises(BuildError, match="cannot evaluate the environment marker"):
        evaluate_marker(marker, ENV)


def test_requirement_parsing() -> None:
    assert bundle.parse_requirement("Fast_API[Standard, all] >=0.1 ; python_version>'3'") == (
        Requirement("fast-api", frozenset({"standard", "all"}), 'python_version > "3"')
    )
    assert bundle.parse_requirement("flask==3.1.3") == Requirement("flask", frozenset(), None)


def _wheel(name: str, *requires: str) -> bundle.Wheel:
    return bundle.Wheel(
        Path(f"{name}.whl"), name, "1", [bundle.parse_requirement(r) for r in requires], [name], ""
    )


def test_depends_follow_markers_and_extras() -> None:
    top = _wheel("top", "mid[fast]", "winonly; sys_platform == 'win32'", "opt; extra == 'x'")
    mid = _wheel("mid", "speed; extra == 'fast'", "base")
    wheels = [top, mid, _wheel("speed"), _wheel("base"), _wheel("opt")]
    bundle.resolve_depends(wheels, [bundle.parse_requirement("top")], ENV)
    assert top.depends == ["mid"]
    assert mid.depends == ["speed", "base"]
    bundle.resolve_depends(wheels, [bundle.parse_requirement("top[x]")], ENV)
    assert top.depends == ["mid", "opt"]


def test_depends_on_a_missing_wheel_fail_clearly() -> None:
    wheels = [_wheel("top", "gone; sys_platform == 'emscripten'")]
    with pytest.raises(BuildError, match="top 1 needs gone in Pyodide"):
        bundle.resolve_depends(wheels, [], ENV)


# --- --snapshot without Node ------------------------------------------------------------


def test_without_node_the_build_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bundle, "find_node", lambda: None)
    monkeypatch.setattr(bundle, "dependency_wheels", _no_wheels)
    with pytest.raises(BuildError, match=r"--snapshot needs Node\.js 20 or newer"):
        bundle.build("notes.flask_app:app", tmp_path / "site", LAMBDA_DIR, snapshot=True)
    assert not (tmp_path / "site").exists()


def _no_wheels(*_: object, **__: object) -> list[Path]:
    return []


def test_snapshot_files_are_shipped_with_the_package() -> None:
    assert (bundle.WEB_SOURCES / bundle.SNAPSHOT_MAKER).is_file()
    assert "snapshot.mjs" in bundle.WEB_FILES


# --- Bad input: a clear message, a non-zero exit, no traceback -------------------------


def _build(tmp_path: Path, app: str, *args: str, path: Path = LAMBDA_DIR) -> tuple[int, str]:
    command = [sys.executable, "-m", "adapters.browser", "build", app, "--path", str(path), *args]
    if "--out" not in args:
        command += ["--out", str(tmp_path / "site")]
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT)
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, done.stderr


@pytest.mark.parametrize(
    ("app", "message"),
    [
        ("notes.no_such_app:app", "cannot import 'notes.no_such_app'"),
        ("notes.flask_app:nothing", "defines no top-level name 'nothing'"),
        ("notes.flask_app", "APP must be module:attribute"),
        ("notes/flask_app.py:app", "APP must be module:attribute"),
    ],
)
def test_app_that_cannot_be_imported(tmp_path: Path, app: str, message: str) -> None:
    status, stderr = _build(tmp_path, app)
    assert status != 0
    assert message in stderr
    assert not (tmp_path / "site").exists()


def test_app_with_a_syntax_error(tmp_path: Path) -> None:
    source = tmp_path / "code"
    source.mkdir()
    (source / "broken.py").write_text("app = (\n")
    status, stderr = _build(tmp_path, "broken:app", path=source)
    assert status != 0
    assert "broken.py:1" in stderr


def test_requirement_with_no_pyodide_wheel(tmp_path: Path) -> None:
    status, stderr = _build(tmp_path, "notes.flask_app:app", "--requirement", "psutil==7.0.0")
    assert status != 0
    assert "no Pyodide wheel for psutil==7.0.0" in stderr
    assert not (tmp_path / "site").exists()  # nothing half-built left behind


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through file permissions")
def test_out_without_permission(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    status, stderr = _build(tmp_path, "notes.flask_app:app", "--out", str(locked / "site"))
    assert status != 0
    assert "cannot write to --out" in stderr


def test_out_that_cannot_be_a_folder(tmp_path: Path) -> None:
    file = tmp_path / "file"
    file.write_text("")
    status, stderr = _build(tmp_path, "notes.flask_app:app", "--out", str(file / "site"))
    assert status != 0
    assert "cannot write to --out" in stderr
    status, stderr = _build(tmp_path, "notes.flask_app:app", "--out", str(file))
    assert status != 0
    assert "exists and is not a folder" in stderr


def test_out_holding_something_else_is_left_alone(tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "precious.txt").write_text("keep")
    status, stderr = _build(tmp_path, "notes.flask_app:app", "--out", str(out))
    assert status != 0
    assert "is not empty and holds no earlier bundle" in stderr
    assert (out / "precious.txt").read_text() == "keep"


def test_missing_requirements_file(tmp_path: Path) -> None:
    status, stderr = _build(tmp_path, "notes.flask_app:app", "--requirements-file", "nope.txt")
    assert status != 0
    assert "cannot read nope.txt" in stderr


def test_rebuild_into_the_same_folder(notes_bundle: Path, tmp_path: Path) -> None:
    out = tmp_path / "again"
    for _ in range(2):
        done = build_bundle(out, "notes.fastapi_app:app", "--base-path", "/notes/")
        assert done.returncode == 0, done.stderr
    assert manifest_of(out)["app"] == "notes.fastapi_app:app"
    assert manifest_of(out)["base_path"] == "/notes"
    assert manifest_of(out)["web"]["scope"] == "notes/"
    assert "stand-in" in (out / "notes" / "index.html").read_text()
    assert 'name="adapters-scope" content="notes/"' in (out / "index.html").read_text()
    assert lock_of(out)["packages"] == lock_of(notes_bundle)["packages"]


def _pip_failing_with(monkeypatch: pytest.MonkeyPatch, output: str) -> None:
    def fake_pip(args, env=None):
        if args[0] == "index":  # `pip index versions NAME`: the project exists
            return subprocess.CompletedProcess(args, 0, "httptools (0.7.1)\n", "")
        return subprocess.CompletedProcess(args, 1, "", output)

    monkeypatch.setattr(pypi, "_pip", fake_pip)


def test_a_transitive_requirement_with_no_wheel_names_its_parent(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _pip_failing_with(
        monkeypatch,
        "ERROR: Could not find a version that satisfies the requirement httptools>=0.6 "
        "(from uvicorn[standard]) (from versions: none)\n"
        "ERROR: No matching distribution found for httptools>=0.6\n",
    )
    with pytest.raises(
        BuildError, match=r"no Pyodide wheel for httptools>=0.6 \(needed by uvicorn"
    ):
        bundle.download_wheels(["uvicorn[standard]"], tmp_path, tmp_path)


def test_a_conflict_over_a_package_with_no_wheel_names_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _pip_failing_with(
        monkeypatch,
        "The conflict is caused by:\n    a 1 depends on cffi\n\nAdditionally, some packages in "
        "these conflicts have no matching distributions available for your environment:\n"
        "    cffi\n\nERROR: ResolutionImpossible\n",
    )
    with pytest.raises(BuildError, match="no Pyodide wheel on PyPI for cffi"):
        bundle.download_wheels(["a"], tmp_path, tmp_path)


def test_manifest_lists_every_file_a_boot_fetches_with_its_hash(notes_bundle: Path) -> None:
    """The service worker caches exactly these and checks each download against `sha256`."""
    manifest = manifest_of(notes_bundle)
    listed = {entry["path"]: entry for entry in manifest["files"]}
    wanted = {wheel["file"] for wheel in manifest["wheels"]}
    wanted |= {f"pyodide/{name}" for name in bundle.BOOT_FILES}
    wanted |= {name for mirror in manifest["mirrors"] for name in mirror["files"]}
    assert set(listed) == wanted
    for path, entry in listed.items():
        data = (notes_bundle / path).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest(), path
        assert entry["bytes"] == len(data)
    assert len(manifest["build"]) == 20


def test_the_build_id_changes_with_any_file_and_only_then(tmp_path: Path) -> None:
    out = tmp_path / "site"
    for name in ("pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json"):
        (out / "pyodide").mkdir(parents=True, exist_ok=True)
        (out / "pyodide" / name).write_bytes(name.encode())
    (out / "pyodide" / "app_code-0-py3-none-any.whl").write_bytes(b"v1")
    manifest = {"app": "a:app", "wheels": [{"file": "pyodide/app_code-0-py3-none-any.whl"}]}
    bundle.add_build_identity(out, manifest)
    first = manifest["build"]
    manifest_of_copy = json.loads(json.dumps(manifest))
    bundle.add_build_identity(out, manifest_of_copy)
    assert manifest_of_copy["build"] == first, "the same files give the same build"
    (out / "pyodide" / "app_code-0-py3-none-any.whl").write_bytes(b"v2")
    bundle.add_build_identity(out, manifest)
    assert manifest["build"] != first


# --- Which code goes into the app's wheel -------------------------------------------------


def _project(root: Path) -> Path:
    """An app folder as people have them: the app, a sibling it imports, a Django-style
    sibling named only in a string, a venv, tests and a script it never imports."""
    files = {
        "shop/__init__.py": "",
        "shop/app.py": "from flask import Flask\nimport helpers\nINSTALLED = ['orders']\n",
        "shop/templates/index.html": "<h1>shop</h1>",
        "shop/secret_notes.txt": "not for the browser",
        "helpers.py": "VALUE = 1\n",
        "orders/__init__.py": "",
        "orders/models.py": "X = 1\n",
        "plugins/__init__.py": "",
        "tests/test_shop.py": "import shop\n",
        "manage.py": "import shop\n",
        "venv/pyvenv.cfg": "home = /usr/bin\n",
        "venv/lib/python3.14/site-packages/flask/__init__.py": "",
        ".gitignore": "shop/secret_notes.txt\n*.log\n",
        "shop/debug.log": "log",
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_only_the_code_the_app_reaches_goes_into_its_wheel(tmp_path: Path) -> None:
    source = _project(tmp_path / "project")
    names, left_out = bundle.app_code_names(source, "shop.app")
    assert names == ["helpers", "orders", "shop"]
    assert sorted(left_out) == ["manage", "plugins", "tests"]  # venv/ is not even a candidate
    path, top_level = bundle.app_wheel(tmp_path, source, set(), names, bundle.gitignore_of(source))
    assert top_level == names
    with zipfile.ZipFile(path) as archive:
        packed = set(archive.namelist())
    assert {"shop/app.py", "shop/templates/index.html", "helpers.py", "orders/models.py"} <= packed
    assert "shop/secret_notes.txt" not in packed and "shop/debug.log" not in packed  # .gitignore
    assert not [name for name in packed if name.startswith(("venv/", "tests/", "manage"))]


def test_include_adds_a_package_loaded_dynamically_and_refuses_an_unknown_one(
    tmp_path: Path,
) -> None:
    source = _project(tmp_path / "project")
    names, _ = bundle.app_code_names(source, "shop.app", include=["plugins"])
    assert "plugins" in names
    with pytest.raises(BuildError, match="--include nothing"):
        bundle.app_code_names(source, "shop.app", include=["nothing"])


@pytest.mark.parametrize(
    ("base_path", "message"),
    [
        ("/", "the bundle's own files"),
        ("app", "must start with /"),
        ("/pyodide", "the bundle's own"),
        ("/a/../b", "plain folder name"),
        ("/.hidden", "plain folder name"),
    ],
)
def test_base_paths_that_cannot_hold_the_app_are_refused(base_path: str, message: str) -> None:
    with pytest.raises(BuildError, match=message):
        bundle.scope_of(base_path)
    assert bundle.scope_of("/tools/notes/") == "tools/notes/"


def _pyc_names(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        return [name for name in archive.namelist() if name.endswith(".pyc")]


def test_wheels_get_pyodides_bytecode_beside_their_sources(
    notes_bundle: Path, tmp_path: Path
) -> None:
    manifest = manifest_of(notes_bundle)
    flask = notes_bundle / next(w["file"] for w in manifest["wheels"] if w["name"] == "Flask")
    with zipfile.ZipFile(flask) as archive:
        names = set(archive.namelist())
        record = archive.read(next(n for n in names if n.endswith("RECORD"))).decode()
    assert "flask/__pycache__/app.cpython-314.pyc" in names and "flask/app.py" in names
    assert "flask/__pycache__/app.cpython-314.pyc,sha256=" in record
    # unchecked hash-based: valid whatever times the files get when Pyodide unpacks them
    with zipfile.ZipFile(flask) as archive:
        header = archive.read("flask/__pycache__/app.cpython-314.pyc")[:8]
    assert int.from_bytes(header[4:8], "little") == 0b01  # hash-based, not checked
    lock = lock_of(notes_bundle)
    assert lock["packages"]["flask"]["sha256"] == bundle.read_wheel(flask).sha256


def test_without_bytecode_or_without_node_the_wheels_stay_as_published(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "code"
    source.mkdir()
    (source / "hello.py").write_text("def app(environ, start_response):\n    return []\n")
    manifest = bundle.build("hello:app", tmp_path / "a", source, bytecode=False)
    assert not [w for w in manifest["wheels"] if _pyc_names(tmp_path / "a" / w["file"])]
    monkeypatch.setattr(bundle, "find_node", lambda: None)
    manifest = bundle.build("hello:app", tmp_path / "b", source)
    assert not [w for w in manifest["wheels"] if _pyc_names(tmp_path / "b" / w["file"])]
    assert "wheels not precompiled: Node.js was not found" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("paths", "message"),
    [
        (["data"], "give an absolute folder"),
        (["/data/../etc"], "give an absolute folder"),
        (["/"], "Pyodide needs that folder"),
        (["/lib/python3.14"], "Pyodide needs that folder"),
        (["/home/pyodide"], "Pyodide needs that folder"),
        (["/data", "/data/sub"], "one is inside the other"),
    ],
)
def test_persist_folders_pyodide_needs_or_that_overlap_are_refused(
    paths: list[str], message: str
) -> None:
    with pytest.raises(BuildError, match=message):
        bundle.parse_persist(paths)


def test_persist_folders_go_into_the_manifest(tmp_path: Path) -> None:
    assert bundle.parse_persist(["/data/", "//data", "/srv/uploads"]) == ["/data", "/srv/uploads"]
    source = tmp_path / "code"
    source.mkdir()
    (source / "hello.py").write_text("def app(environ, start_response):\n    return []\n")
    manifest = bundle.build("hello:app", tmp_path / "site", source, persist=["/data"])
    assert manifest["persist"] == ["/data"]
