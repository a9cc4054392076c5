"""Build a static folder that runs a WSGI or ASGI app in the browser, in Pyodide.

    python -m adapters.browser build notes.flask_app:app --path lambda --out site \\
        --requirements-file lambda/requirements.txt

The folder holds:

- ``pyodide/``: the Pyodide runtime (from the npm registry's ``pyodide`` tarball, checked
  against the registry's sha512 ``integrity``), every wheel the app needs (resolved from
  PyPI for the Pyodide platform), and ``pyodide-lock.json`` listing exactly those wheels,
  so that ``loadPyodide({indexURL: "pyodide/"})`` then ``loadPackage(...)`` never leaves
  the folder;
- ``bundle.json``: the app, its base path, the packages to load and their versions, and
  the environment: fixed values (``--env NAME=VALUE``) and the names of secrets the
  service worker generates once and keeps in IndexedDB (``--secret-env NAME``);
- with ``--web``: the module service worker ``sw.js`` that serves the app at ``app/``,
  and ``index.html``, the page that installs it (sources in the repository's
  ``browser/``);
- with ``--snapshot``: ``pyodide/snapshot.bin.gz``, a Pyodide memory snapshot (gzipped)
  taken after the app's dependencies were imported, which the service worker boots from
  (made with Node.js: ``make-snapshot.mjs`` in the repository's ``browser/``);
  experimental in Pyodide, and only for apps whose import loads no compiled modules;
- with ``--pyscript``: ``pyscript.html``, which runs the same app in the page with
  PyScript (``@pyscript/core`` from the npm registry, checked like Pyodide, only the
  files the page needs, in ``pyscript/``), and micropip in the lockfile (PyScript loads it).

The app's code (the folder given by ``--path``) becomes the wheel ``app-code``, and this
package the wheel ``webapp-adapters`` (only the modules that run in the browser:
``shipped``). This runs on the build machine, where neither Node nor npm is needed, with
``packaging`` and ``pathspec`` (the ``browser-build`` extra).

This module runs the build (the folder's layout, the manifest, the web files, the
``--env`` values, the CLI); each step lives beside it: ``target`` (the Pyodide release),
``npm`` (runtime and PyScript tarballs), ``pypi`` (the dependencies' wheels), ``wheels``
(reading and writing wheels), ``markers`` (requirements and PEP 508 markers for Pyodide),
``lockfile`` (``pyodide-lock.json``) and ``errors`` (``BuildError``, the progress log).
Their public names are re-exported here.
"""

from __future__ import annotations

import argparse
import ast
import gzip
import json
import re
import shutil
import tempfile
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from .appcode import app_code_names, app_python_files, gitignore_of
from .errors import BuildError, log
from .lockfile import lockfile, resolve_depends
from .markers import (
    Requirement,
    canonical,
    evaluate_marker,
    marker_environment,
    parse_requirement,
)
from .mirrors import (
    FASTAPI_MIRRORS,
    FASTAPI_STAND_INS,
    VENDOR_DIR,
    Mirror,
    add_mirrors,
    parse_mirror,
)
from .nodejs import run_node_script
from .npm import (
    LOCK_NAME,
    PYSCRIPT_PACKAGE,
    PYSCRIPT_VERSION,
    RUNTIME_FILES,
    cache_dir,
    extract_pyscript,
    extract_runtime,
    npm_tarball,
    pyodide_tarball,
    stock_packages,
)
from .precompile import precompile
from .pypi import dependency_wheels, download_wheels
from .shipped import app_imports_of_package
from .target import PLATFORM_TAG, PYODIDE_VERSION, PYTHON_VERSION
from .wheels import APP_DISTRIBUTION, Wheel, app_wheel, own_version, own_wheel, read_wheel

__all__ = [  # the builder's API, whichever module now holds each part
    "PLATFORM_TAG",
    "PYODIDE_VERSION",
    "PYTHON_VERSION",
    "RUNTIME_FILES",
    "BuildError",
    "Requirement",
    "Wheel",
    "app_code_names",
    "app_wheel",
    "build",
    "canonical",
    "check_app",
    "dependency_wheels",
    "download_wheels",
    "evaluate_marker",
    "extract_pyscript",
    "extract_runtime",
    "gitignore_of",
    "lockfile",
    "main",
    "marker_environment",
    "own_wheel",
    "parse_env",
    "parse_requirement",
    "read_requirements_file",
    "read_wheel",
    "resolve_depends",
    "scope_of",
]

RUNTIME_DIR = "pyodide"
MANIFEST = "bundle.json"
BUNDLE_FORMAT = 1
PYSCRIPT_DIR = "pyscript"
WEB_SOURCES = Path(__file__).resolve().parent / "web"  # the repository's browser/, as package data
"""sw.js, index.html and pyscript.html: the repository's ``browser/`` folder."""
WEB_FILES = ("sw.js", "snapshot.mjs", "index.html")
SNAPSHOT_MAKER = "make-snapshot.mjs"
SNAPSHOT_FILE = f"{RUNTIME_DIR}/snapshot.bin.gz"
PYSCRIPT_FILES = ("pyscript.html",)
WEBSOCKET_SHIM = "websocket-shim.js"
DEV_CLIENT = "__adapters/dev/client.js"
"""Where `adapters browser dev` serves ``dev-client.js``, relative to the bundle; its
event stream is beside it, at ``__adapters/dev/events``."""
PYSCRIPT_CONFIG = "pyscript.json"
MICROPIP = "micropip"
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


# --- The snapshot -----------------------------------------------------------------------


def find_node() -> str | None:
    return shutil.which("node")


def make_snapshot(out: Path) -> dict[str, Any]:
    """Run make-snapshot.mjs on the built folder; the manifest's "snapshot" entry.

    Node runs the bundle's own Pyodide, so the snapshot matches the runtime it restores
    into (Pyodide refuses one from another build).
    """
    node = find_node()
    if node is None:
        raise BuildError("--snapshot needs Node.js 20 or newer on PATH (node was not found)")
    target = out / SNAPSHOT_FILE
    raw = target.with_suffix("")  # the memory image as Node writes it, before gzip
    log("making the memory snapshot (Node.js: two Pyodide boots, ~15 s)")
    try:
        report = run_node_script(
            [node, str(WEB_SOURCES / SNAPSHOT_MAKER), str(out), str(raw)], "--snapshot"
        )
    except BuildError:
        raw.unlink(missing_ok=True)
        raise
    for failure in report.get("failed", []):
        log(f"snapshot: not preloaded (imported after each boot instead): {failure}")
    # Mostly an empty memory image: a quarter of the download gzipped, inflated in the
    # worker by DecompressionStream. mtime 0 keeps rebuilds byte-identical.
    with raw.open("rb") as source, gzip.GzipFile(target, "wb", compresslevel=6, mtime=0) as sink:
        shutil.copyfileobj(source, sink, 1 << 20)
    raw.unlink()
    return {
        "file": SNAPSHOT_FILE,
        "encoding": "gzip",
        "bytes": target.stat().st_size,
        "memory_bytes": report["bytes"],
        "modules": report["modules"],
    }


# --- The app ---------------------------------------------------------------------------


def check_app(spec: str, source: Path) -> tuple[str, str]:
    """Find APP (``module:attribute``) under ``source`` without importing it.

    The build machine need not have the app's dependencies, so the module is found and
    parsed, and the attribute looked for among its top-level names.
    """
    module, _, attribute = spec.partition(":")
    parts = module.split(".")
    if not attribute or not all(p.isidentifier() for p in [*parts, attribute]):
        raise BuildError(f"APP must be module:attribute, like notes.flask_app:app (got {spec!r})")
    base = source.joinpath(*parts)
    candidates = [base.with_suffix(".py"), base / "__init__.py"]
    file = next((c for c in candidates if c.is_file()), None)
    if file is None:
        raise BuildError(
            f"cannot import {module!r} from {source}: "
            f"neither {candidates[0]} nor {candidates[1]} exists (use --path)"
        )
    try:
        tree = ast.parse(file.read_bytes(), filename=str(file))
    except SyntaxError as error:
        raise BuildError(f"cannot import {module!r}: {file}:{error.lineno}: {error.msg}") from None
    names = _module_names(tree)
    if attribute not in names and "*" not in names:
        raise BuildError(f"{module!r} ({file}) defines no top-level name {attribute!r}")
    return module, attribute


def _module_names(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return names


# --- The web front ends: the service worker, its page, the PyScript page ---------------


def copy_web_files(out: Path, names: Iterable[str]) -> None:
    """The front-end files from the repository's ``browser/`` folder."""
    for name in names:
        source = WEB_SOURCES / name
        if not source.is_file():
            raise BuildError(
                f"cannot find {source}: the browser front end ships with the repository "
                "(install adapters from a checkout to use --web or --pyscript)"
            )
        shutil.copyfile(source, out / name)


DEFAULT_BASE_PATH = "/app"
"""Where the worker serves the app, below the bundle's folder, unless --base-path says."""
_SITE_META = '<meta name="adapters-site" content="./">'
_SCOPE_META = '<meta name="adapters-scope" content="app/">'
_OWN_NAMES = frozenset(
    {RUNTIME_DIR, PYSCRIPT_DIR, VENDOR_DIR, MANIFEST, "sw.js", "snapshot.mjs", "index.html",
     "websocket-shim.js"}
)  # fmt: skip


def scope_of(base_path: str) -> str:
    """The worker's scope below the bundle's folder ("app/") for a --base-path ("/app")."""
    if not base_path.startswith("/"):
        raise BuildError(f"--base-path must start with / (got {base_path!r})")
    scope = base_path.strip("/")
    if not scope:
        raise BuildError(
            "--base-path / would put the app over the bundle's own files (sw.js, pyodide/): "
            "give it a folder of its own, like --base-path /app (the default)"
        )
    parts = scope.split("/")
    if any(part in ("", ".", "..") or part.startswith(".") for part in parts):
        raise BuildError(f"--base-path {base_path!r}: each part must be a plain folder name")
    if parts[0] in _OWN_NAMES or parts[0].startswith("pyscript"):
        raise BuildError(f"--base-path {base_path!r}: {parts[0]} is the bundle's own")
    return scope + "/"


def write_web_pages(out: Path, scope: str) -> str:
    """index.html pointed at the app's scope, and a copy of it inside the scope standing in
    for the app's pages; the copy's path in the bundle.

    Opened before the worker is installed (a bookmark, a link, a typed URL), the scope is a
    plain folder on the static host: the copy installs the worker and then loads the URL
    that was asked for, which the app answers. `adapters browser serve` gives it for any
    missing path in the scope, so deep links work on a first visit too.
    """
    page = (out / "index.html").read_text()
    if _SITE_META not in page or _SCOPE_META not in page:  # pragma: no cover - ours
        raise BuildError("index.html has no adapters-site or adapters-scope meta tag")
    page = page.replace(_SCOPE_META, _SCOPE_META.replace("app/", scope))
    (out / "index.html").write_text(page)
    installer = f"{scope}index.html"
    (out / scope).mkdir(parents=True, exist_ok=True)
    (out / installer).write_text(page.replace(_SITE_META, _SITE_META.replace("./", "stand-in")))
    return installer


def parse_env(values: Iterable[str], secrets: Iterable[str]) -> dict[str, Any]:
    """``--env NAME=VALUE`` and ``--secret-env NAME`` as bundle.json's ``env``."""
    fixed: dict[str, str] = {}
    for item in values:
        name, equals, value = item.partition("=")
        if not equals or not _ENV_NAME.fullmatch(name):
            raise BuildError(f"--env takes NAME=VALUE (got {item!r})")
        fixed[name] = value
    generate: list[str] = []
    for name in secrets:
        if not _ENV_NAME.fullmatch(name):
            raise BuildError(f"--secret-env takes a variable name (got {name!r})")
        if name in fixed:
            raise BuildError(f"{name} is given both as --env and as --secret-env")
        if name not in generate:
            generate.append(name)
    return {"values": fixed, "generate": generate}


PERSIST_REFUSED = ("/", "/dev", "/proc", "/lib", "/usr", "/bin", "/home", "/home/pyodide")
"""Folders of Pyodide's own file system that an IndexedDB mount would hide or break."""


def parse_persist(paths: Iterable[str]) -> list[str]:
    """``--persist /data``: absolute folders, none of Pyodide's own, none inside another."""
    chosen: list[str] = []
    for path in paths:
        normal = "/" + "/".join(part for part in path.split("/") if part)
        if not path.startswith("/") or any(p in (".", "..") for p in path.split("/")):
            raise BuildError(f"--persist {path!r}: give an absolute folder, like /data")
        if normal in PERSIST_REFUSED or normal.startswith(("/lib/", "/usr/", "/dev/", "/proc/")):
            raise BuildError(f"--persist {path!r}: Pyodide needs that folder for itself")
        for other in chosen:
            if normal.startswith(other + "/") or other.startswith(normal + "/"):
                raise BuildError(f"--persist {path!r} and {other!r}: one is inside the other")
        if normal not in chosen:
            chosen.append(normal)
    return chosen


# --- The build -------------------------------------------------------------------------


def read_requirements_file(path: Path) -> list[str]:
    try:
        lines = path.read_text().splitlines()
    except OSError as error:
        raise BuildError(f"cannot read {path}: {error.strerror}") from None
    found = []
    for number, line in enumerate(lines, 1):
        text = line.split(" #")[0].strip() if not line.lstrip().startswith("#") else ""
        if text.startswith("-"):
            raise BuildError(f"{path}:{number}: pip options are not supported here: {text}")
        if text:
            found.append(text)
    return found


def prepare_out(out: Path) -> None:
    """Create ``out``, or clear an earlier bundle in it; never touch other folders' files."""
    try:
        if out.exists() and not out.is_dir():
            raise BuildError(f"--out {out} exists and is not a folder")
        if out.is_dir() and any(out.iterdir()):
            if not (out / MANIFEST).is_file():
                raise BuildError(f"--out {out} is not empty and holds no earlier bundle")
            shutil.rmtree(out / RUNTIME_DIR, ignore_errors=True)
            shutil.rmtree(out / PYSCRIPT_DIR, ignore_errors=True)
            for name in (*WEB_FILES, *PYSCRIPT_FILES, PYSCRIPT_CONFIG):
                (out / name).unlink(missing_ok=True)
            (out / MANIFEST).unlink()
        (out / RUNTIME_DIR).mkdir(parents=True)
        probe = out / RUNTIME_DIR / ".write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except PermissionError as error:
        raise BuildError(f"cannot write to --out {out}: {error.strerror}") from None
    except OSError as error:
        raise BuildError(f"cannot write to --out {out}: {error.strerror or error}") from None


def build(
    app: str,
    out: Path,
    source: Path,
    requirements: Sequence[str] = (),
    base_path: str = DEFAULT_BASE_PATH,
    refresh: bool = False,
    *,
    web: bool = False,
    pyscript: bool = False,
    env: dict[str, Any] | None = None,
    snapshot: bool = False,
    include: Sequence[str] = (),
    dev: bool = False,
    wheel_dirs: Sequence[Path] = (),
    mirrors: Sequence[str] = (),
    bytecode: bool = True,
    persist: Sequence[str] = (),
    websockets: bool = False,
) -> dict[str, Any]:
    """Build the bundle; return its manifest (also written to ``out/bundle.json``).

    ``dev``: for ``adapters browser dev``, whose server offers the script that reloads the
    app's pages on a new build (the worker adds it to them, see ``sw.js``).
    """
    started = time.monotonic()
    env = env if env is not None else parse_env((), ())
    if not source.is_dir():
        raise BuildError(f"--path {source} is not a folder")
    module, attribute = check_app(app, source)
    scope = scope_of(base_path)
    base_path = "/" + scope.rstrip("/")
    roots = [parse_requirement(r) for r in requirements]
    extra_mirrors = [parse_mirror(m) for m in mirrors]
    persisted = parse_persist(persist)
    created = not out.exists()
    prepare_out(out)
    try:
        app = f"{module}:{attribute}"
        compiled = ("app" if not dev else "dependencies") if bytecode else "none"
        manifest = _build_into(
            out, app, base_path, source, requirements, roots, refresh, pyscript, include,
            wheel_dirs, compiled,
        )  # fmt: skip
        _add_settings(manifest, out, env, persisted, extra_mirrors, dev)
        if web and websockets:
            copy_web_files(out, (WEBSOCKET_SHIM,))
            manifest["websockets"] = {"shim": WEBSOCKET_SHIM}
        if web:
            copy_web_files(out, WEB_FILES)
            manifest["web"] = {
                "worker": "sw.js",
                "index": "index.html",
                "scope": scope,
                "installer": write_web_pages(out, scope),
            }
        if pyscript:
            copy_web_files(out, PYSCRIPT_FILES)
            tarball = npm_tarball(cache_dir(), PYSCRIPT_PACKAGE, PYSCRIPT_VERSION)
            files = extract_pyscript(tarball, out / PYSCRIPT_DIR)
            config = {
                "interpreter": f"./{RUNTIME_DIR}/pyodide.mjs",
                "packages": manifest["packages"],
                "packages_cache": "passthrough",
            }
            (out / PYSCRIPT_CONFIG).write_text(json.dumps(config, indent=1) + "\n")
            manifest["pyscript"] = {
                "version": PYSCRIPT_VERSION,
                "page": "pyscript.html",
                "config": PYSCRIPT_CONFIG,
                "files": [f"{PYSCRIPT_DIR}/{name}" for name in files],
            }
        (out / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n")
        if snapshot:
            manifest["snapshot"] = make_snapshot(out)
    except BaseException:
        # Leave nothing half-built behind: a later build into the same folder must work.
        shutil.rmtree(out if created else out / RUNTIME_DIR, ignore_errors=True)
        if not created:
            shutil.rmtree(out / PYSCRIPT_DIR, ignore_errors=True)
            shutil.rmtree(out / VENDOR_DIR, ignore_errors=True)
            (out / MANIFEST).unlink(missing_ok=True)
        raise
    add_build_identity(out, manifest)
    (out / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n")
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    log(
        f"built {out} in {time.monotonic() - started:.1f} s: {len(manifest['wheels'])} wheels, "
        f"{size / 1e6:.1f} MB, app {manifest['app']}"
    )
    return manifest


def _add_settings(
    manifest: dict[str, Any],
    out: Path,
    env: dict[str, Any],
    persisted: list[str],
    extra_mirrors: list[Mirror],
    dev: bool,
) -> None:
    """What the worker reads beside the app: environment, persistent folders, the CDN
    files kept (FastAPI's docs assets whenever FastAPI is in), the dev loop's script."""
    manifest["env"] = env
    if persisted:
        manifest["persist"] = persisted
    fastapi = "fastapi" in manifest["packages"]
    chosen = [*(FASTAPI_MIRRORS if fastapi else ()), *extra_mirrors]
    shutil.rmtree(out / VENDOR_DIR, ignore_errors=True)
    if chosen:
        manifest["mirrors"] = add_mirrors(out, cache_dir(), chosen)
    if fastapi:
        manifest["stand_ins"] = list(FASTAPI_STAND_INS)
    if dev:
        manifest["dev"] = {"client": DEV_CLIENT}


BOOT_FILES = ("pyodide.asm.wasm", "python_stdlib.zip", LOCK_NAME)
"""Runtime files the service worker fetches at boot (the .mjs ones it imports statically,
and the browser keeps those with the worker's registration)."""


def add_build_identity(out: Path, manifest: dict[str, Any]) -> None:
    """Give the manifest `files` (what a boot fetches, with sizes and SHA-256) and
    `build`, an id that changes whenever any of them, or the manifest, changes.

    The service worker keeps each build in a cache of its own and boots from it, so the
    app starts with the network off; it compares `build` with the network's copy of the
    manifest to pick up a new build, and checks every file it downloads against its hash.
    """
    import hashlib

    paths = [f"{RUNTIME_DIR}/{name}" for name in BOOT_FILES]
    paths += [wheel["file"] for wheel in manifest["wheels"]]
    if manifest.get("snapshot"):
        paths.append(manifest["snapshot"]["file"])
    paths += [name for mirror in manifest.get("mirrors", []) for name in mirror["files"]]
    if manifest.get("websockets"):
        paths.append(manifest["websockets"]["shim"])
    known = {  # the wheels were hashed when they were read: not again
        wheel["file"]: (wheel["sha256"], wheel["size"])
        for wheel in manifest["wheels"]
        if "sha256" in wheel and "size" in wheel
    }
    files = []
    for relative in paths:
        if relative in known:
            sha256, size = known[relative]
            files.append({"path": relative, "sha256": sha256, "bytes": size})
            continue
        digest = hashlib.sha256()
        with (out / relative).open("rb") as stream:
            for block in iter(lambda: stream.read(1 << 20), b""):
                digest.update(block)
        size = (out / relative).stat().st_size
        files.append({"path": relative, "sha256": digest.hexdigest(), "bytes": size})
    manifest.pop("build", None)
    manifest["files"] = files
    canonical_text = json.dumps(manifest, sort_keys=True, separators=(",", ":"))
    manifest["build"] = hashlib.sha256(canonical_text.encode()).hexdigest()[:20]


def _build_into(
    out: Path,
    app: str,
    base_path: str,
    source: Path,
    requirements: Sequence[str],
    roots: list[Requirement],
    refresh: bool,
    pyscript: bool = False,
    include: Sequence[str] = (),
    wheel_dirs: Sequence[Path] = (),
    compiled: str = "app",
) -> dict[str, Any]:
    """``compiled``: which wheels get bytecode: "app" (all, the app's too), "dependencies"
    (all but the app's: the dev loop repacks it on every edit) or "none"."""
    module = app.partition(":")[0]
    runtime = out / RUNTIME_DIR
    cache = cache_dir()
    tarball = pyodide_tarball(cache)
    info = extract_runtime(tarball, runtime)
    # PyScript always loads micropip through the lockfile: give it one, but the service
    # worker need not load it (it is left out of "packages" unless asked for).
    extra_micropip = pyscript and MICROPIP not in {root.name for root in roots}
    wanted = [*requirements, MICROPIP] if extra_micropip else list(requirements)
    paths = dependency_wheels(
        wanted, cache, refresh, wheel_dirs=wheel_dirs,
        distribution=lambda: {canonical(k): v for k, v in stock_packages(tarball).items()},
    )  # fmt: skip
    with tempfile.TemporaryDirectory() as scratch:
        names, left_out = app_code_names(source, module, include)
        own_imports = app_imports_of_package(app_python_files(source, names), "adapters")
        own = own_wheel(Path(scratch), own_imports)
        wheels = [read_wheel(p) for p in [*paths, own]]
        provided = {name for wheel in wheels for name in wheel.imports}
        for name in left_out:
            log(f"  app code: leaving out {name} (the app does not import it; --include {name})")
        code, top_level = app_wheel(Path(scratch), source, provided, names, gitignore_of(source))
        if module.split(".")[0] not in top_level:
            raise BuildError(f"{module!r} is not in the app code taken from {source}")
        wheels.append(read_wheel(code))
        seen: dict[str, Wheel] = {}
        for wheel in wheels:
            if wheel.key in seen:
                both = f"{seen[wheel.key].path.name}, {wheel.path.name}"
                raise BuildError(f"two wheels for {wheel.name}: {both}")
            seen[wheel.key] = wheel
            target = runtime / wheel.path.name
            shutil.copyfile(wheel.path, target)
            wheel.path = target
    if compiled != "none":
        chosen = [w for w in wheels if compiled == "app" or w.key != canonical(APP_DISTRIBUTION)]
        count = precompile(chosen, runtime, info, cache, find_node())
        if count:
            log(f"bytecode: {count} of {len(wheels)} wheels hold Pyodide's bytecode")
    emscripten = str(info.get("platform", "")).removeprefix("emscripten_").replace("_", ".")
    resolve_depends(wheels, roots, marker_environment(str(info["python"]), emscripten))
    (runtime / LOCK_NAME).write_text(json.dumps(lockfile(info, wheels), indent=1) + "\n")
    manifest: dict[str, Any] = {
        "format": BUNDLE_FORMAT,
        "app": app,
        "base_path": base_path,
        "pyodide": {
            "version": PYODIDE_VERSION,
            "python": info["python"],
            "abi": info["abi_version"],
            "platform": PLATFORM_TAG,
            "index": f"{RUNTIME_DIR}/",
            "lockfile": f"{RUNTIME_DIR}/{LOCK_NAME}",
        },
        "packages": sorted(
            wheel.key for wheel in wheels if not (extra_micropip and wheel.key == MICROPIP)
        ),
        "wheels": [
            {
                "name": wheel.name,
                "version": wheel.version,
                "file": f"{RUNTIME_DIR}/{wheel.path.name}",
                "sha256": wheel.sha256,
                "size": wheel.path.stat().st_size,
            }
            for wheel in sorted(wheels, key=lambda w: w.key)
        ],
        "requirements": list(requirements),
        "app_code": {
            "distribution": APP_DISTRIBUTION,
            "top_level": top_level,
            "adapters_imports": sorted(own_imports),  # what decides the adapters wheel
        },
        "builder": {"adapters": own_version()},
    }
    return manifest


def add_build_options(command: argparse.ArgumentParser, *, dev: bool = False) -> None:
    """The build's options, for ``build`` and for ``adapters browser dev`` (which always
    adds the service worker, and never a snapshot: each edit would need a new one)."""
    command.add_argument("app", metavar="APP", help="module:attribute, e.g. notes.flask_app:app")
    if dev:
        command.add_argument(
            "--out", type=Path, default=None,
            help="the folder to build into (default: a temporary folder, removed at the end)",
        )  # fmt: skip
    else:
        command.add_argument("--out", required=True, type=Path, help="the folder to write")
    command.add_argument(
        "--path", type=Path, default=Path(), help="the folder holding the app's code (default: .)"
    )
    command.add_argument(
        "--requirement", "-r", action="append", default=[], metavar="REQ",
        help="a requirement for Pyodide, like flask==3.1.3 (repeat)",
    )  # fmt: skip
    command.add_argument(
        "--requirements-file", action="append", default=[], type=Path, metavar="FILE",
        help="a requirements.txt of plain requirements (repeat)",
    )  # fmt: skip
    command.add_argument(
        "--base-path", default=DEFAULT_BASE_PATH,
        help="where the service worker serves the app, below the bundle's folder "
        f"(default {DEFAULT_BASE_PATH}: SITE/app/)",
    )  # fmt: skip
    command.add_argument(
        "--include", action="append", default=[], metavar="NAME",
        help="a package or module of --path to pack although the app does not import it by "
        "name (loaded dynamically; repeat)",
    )  # fmt: skip
    command.add_argument(
        "--wheels", action="append", default=[], type=Path, metavar="DIR",
        help="a folder of wheels for Pyodide, looked in before PyPI: Pyodide's own packages "
        "(numpy...) from its release, or wheels you built (repeat)",
    )  # fmt: skip
    command.add_argument(
        "--mirror", action="append", default=[], metavar="URL=npm:PACKAGE@VERSION",
        help="serve a CDN prefix the app's pages load from out of the bundle, from an npm "
        "package (FastAPI's docs assets are added by themselves; repeat)",
    )  # fmt: skip
    command.add_argument(
        "--bytecode", action=argparse.BooleanOptionalAction, default=True,
        help="add Pyodide's bytecode to the wheels, so the browser imports the app about "
        "twice as fast (needs Node.js; default: yes, skipped with a note without Node)",
    )  # fmt: skip
    command.add_argument(
        "--websockets", action="store_true",
        help="add a page-side WebSocket to the app's pages that carries connections to the "
        "app's ASGI websockets in the service worker",
    )  # fmt: skip
    command.add_argument(
        "--persist", action="append", default=[], metavar="FOLDER",
        help="a folder of the app's (like /data) kept in the browser's IndexedDB, so the "
        "files the app writes there outlive the worker (repeat)",
    )  # fmt: skip
    command.add_argument(
        "--refresh", action="store_true", help="resolve the dependencies again, ignoring the cache"
    )
    command.add_argument(
        "--env", action="append", default=[], metavar="NAME=VALUE",
        help="an environment variable the app sees in the browser (repeat)",
    )  # fmt: skip
    command.add_argument(
        "--secret-env", action="append", default=[], metavar="NAME",
        help="an environment variable the service worker sets to a random secret, made once "
        "per browser and kept in IndexedDB, like SESSION_SECRET (repeat)",
    )  # fmt: skip
    if dev:
        return
    command.add_argument(
        "--web", action=argparse.BooleanOptionalAction, default=True,
        help="add the service worker (sw.js, serving the app at --base-path) and index.html "
        "(default: yes)",
    )  # fmt: skip
    command.add_argument(
        "--pyscript", action="store_true",
        help=f"add pyscript.html: the app in the page with {PYSCRIPT_PACKAGE} (adds micropip)",
    )  # fmt: skip
    command.add_argument(
        "--snapshot", action="store_true",
        help="add a Pyodide memory snapshot with the app's dependencies imported, so the "
        "service worker boots in a fraction of the time (needs Node.js; experimental)",
    )  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m adapters.browser",
        description="Build a static folder that runs a WSGI or ASGI app in the browser (Pyodide).",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    add_build_options(commands.add_parser("build", help="build the static folder"))
    args = parser.parse_args(argv)
    requirements = list(args.requirement)
    try:
        for file in args.requirements_file:
            requirements += read_requirements_file(file)
        env = parse_env(args.env, args.secret_env)
        build(
            args.app, args.out, args.path, requirements, args.base_path, args.refresh,
            web=args.web, pyscript=args.pyscript, env=env, snapshot=args.snapshot,
            include=args.include, wheel_dirs=args.wheels, mirrors=args.mirror,
            bytecode=args.bytecode, persist=args.persist, websockets=args.websockets,
        )  # fmt: skip
    except BuildError as error:
        log(f"error: {error}")
        return 1
    except OSError as error:  # the cache or the output folder, mid-build
        log(f"error: {error}")
        return 1
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    return 0
