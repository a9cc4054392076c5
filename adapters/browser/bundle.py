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
- with ``--pyscript``: ``pyscript.html``, which runs the same app in the page with
  PyScript (``@pyscript/core`` from the npm registry, checked like Pyodide, only the
  files the page needs, in ``pyscript/``), and micropip in the lockfile (PyScript loads it).

The app's code (the folder given by ``--path``) becomes the wheel ``app-code``, and this
package the wheel ``webapp-adapters``. Standard library only: this runs on the build
machine, where neither Node nor npm is needed.
"""

from __future__ import annotations

import argparse
import ast
import base64
import contextlib
import email.parser
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

PYODIDE_VERSION = "314.0.7"
"""The npm ``pyodide`` release bundled: Python 3.14, ABI ``2026_0``."""
PYTHON_VERSION = "3.14"
PLATFORM_TAG = "pyemscripten_2026_0_wasm32"
ABI_TAGS = ("cp314", "abi3", "none")
NPM_REGISTRY = "https://registry.npmjs.org"
RUNTIME_FILES = (
    "pyodide.mjs",  # the loader as an ES module (pages, module workers, Node)
    "pyodide.js",  # the same loader for classic <script> tags
    "pyodide.asm.mjs",  # the Emscripten module the loader imports
    "pyodide.asm.wasm",
    "python_stdlib.zip",
)
LOCK_NAME = "pyodide-lock.json"
RUNTIME_DIR = "pyodide"
MANIFEST = "bundle.json"
BUNDLE_FORMAT = 1
APP_DISTRIBUTION = "app-code"
OWN_DISTRIBUTION = "webapp-adapters"
PYSCRIPT_PACKAGE = "@pyscript/core"
PYSCRIPT_VERSION = "0.7.31"
PYSCRIPT_DIR = "pyscript"
PYSCRIPT_SKIP = ("codemirror", "xterm")
"""Chunks only the editor and terminal plugins load, when a page uses them."""
PYSCRIPT_PLUGINS = ("py-editor", "py-terminal", "py-game")
"""Plugins PyScript always imports (small); what they load on demand is left out."""
WEB_SOURCES = Path(__file__).resolve().parent / "web"  # the repository's browser/, as package data
"""sw.js, index.html and pyscript.html: the repository's ``browser/`` folder."""
WEB_FILES = ("sw.js", "index.html")
PYSCRIPT_FILES = ("pyscript.html",)
PYSCRIPT_CONFIG = "pyscript.json"
MICROPIP = "micropip"
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
PURE_FALLBACKS = frozenset({"markupsafe"})
"""Packages whose C speedups are optional: with no compiler they build a pure wheel."""
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


class BuildError(Exception):
    """A problem the user can fix; the CLI prints the message, without a traceback."""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def canonical(name: str) -> str:
    """The PEP 503 form of a distribution name: the lockfile's keys."""
    return re.sub(r"[-_.]+", "-", name).lower()


# --- Environment markers (PEP 508), evaluated for Pyodide ------------------------------

_MARKER_TOKEN = re.compile(
    r"""\s*(?:(?P<string>'[^']*'|"[^"]*")|(?P<op>===|==|!=|<=|>=|~=|<|>|not\s+in\b|in\b)"""
    r"""|(?P<paren>[()])|(?P<word>[A-Za-z_][A-Za-z0-9_.]*))"""
)
_VERSION_VARIABLES = frozenset({"python_version", "python_full_version", "implementation_version"})


def marker_environment(python_full_version: str) -> dict[str, str]:
    """The marker variables as Pyodide reports them (``sys.platform == "emscripten"``)."""
    major_minor = ".".join(python_full_version.split(".")[:2])
    return {
        "python_version": major_minor,
        "python_full_version": python_full_version,
        "implementation_version": python_full_version,
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
        "sys_platform": "emscripten",
        "platform_system": "Emscripten",
        "platform_machine": "wasm32",
        "os_name": "posix",
    }


def _version(text: str) -> tuple[int, ...] | None:
    return (
        tuple(int(part) for part in text.split(".")) if re.fullmatch(r"\d+(\.\d+)*", text) else None
    )


def _compare_versions(left: tuple[int, ...], op: str, right: tuple[int, ...]) -> bool:
    width = max(len(left), len(right))
    a, b = left + (0,) * (width - len(left)), right + (0,) * (width - len(right))
    if op == "~=":
        return len(right) > 1 and a >= b and left[: len(right) - 1] == right[:-1]
    return {
        "==": a == b,
        "===": a == b,
        "!=": a != b,
        "<": a < b,
        "<=": a <= b,
        ">": a > b,
        ">=": a >= b,
    }[op]


class _MarkerParser:
    def __init__(self, marker: str, env: dict[str, str], extras: frozenset[str]) -> None:
        self.marker, self.env, self.extras = marker, env, extras
        self.tokens: list[tuple[str, str]] = []
        position = 0
        while position < len(marker):
            if marker[position:].strip() == "":
                break
            match = _MARKER_TOKEN.match(marker, position)
            if match is None or match.lastgroup is None:
                raise self.error(f"cannot read it at {marker[position:]!r}")
            self.tokens.append((match.lastgroup, match.group(match.lastgroup)))
            position = match.end()
        self.index = 0

    def error(self, why: str) -> BuildError:
        return BuildError(f"cannot evaluate the environment marker {self.marker!r}: {why}")

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise self.error("it ends too early")
        self.index += 1
        return token

    def parse(self) -> bool:
        result = self.expression()
        extra = self.peek()
        if extra is not None:
            raise self.error(f"unexpected {extra[1]!r}")
        return result

    def expression(self) -> bool:
        result = self.conjunction()
        while self.peek() == ("word", "or"):
            self.take()
            right = self.conjunction()
            result = result or right
        return result

    def conjunction(self) -> bool:
        result = self.atom()
        while self.peek() == ("word", "and"):
            self.take()
            right = self.atom()
            result = result and right
        return result

    def atom(self) -> bool:
        if self.peek() == ("paren", "("):
            self.take()
            result = self.expression()
            if self.take() != ("paren", ")"):
                raise self.error("a parenthesis is not closed")
            return result
        left = self.take()
        kind, op = self.take()
        if kind != "op":
            raise self.error(f"expected a comparison, found {op!r}")
        return self.compare(left, " ".join(op.split()), self.take())

    def compare(self, left: tuple[str, str], op: str, right: tuple[str, str]) -> bool:
        variable = next((value for kind, value in (left, right) if kind == "word"), None)
        if variable == "extra":
            other = right if left[0] == "word" else left
            if op not in ("==", "!="):
                raise self.error(f"{op} on extra")
            found = canonical(other[1][1:-1]) in self.extras
            return found if op == "==" else not found
        a, b = self.value(left), self.value(right)
        if op in ("in", "not in"):
            return (a in b) == (op == "in")
        if variable in _VERSION_VARIABLES:
            if op in ("==", "!=") and b.endswith(".*"):
                prefix = _version(b[:-2])
                value = _version(a)
                if prefix is not None and value is not None:
                    return (value[: len(prefix)] == prefix) == (op == "==")
            va, vb = _version(a), _version(b)
            if va is not None and vb is not None:
                return _compare_versions(va, op, vb)
            raise self.error(f"cannot compare versions {a!r} {op} {b!r}")
        if op == "==":
            return a == b
        if op == "!=":
            return a != b
        raise self.error(f"{op} on strings")

    def value(self, token: tuple[str, str]) -> str:
        kind, text = token
        if kind == "string":
            return text[1:-1]
        if kind == "word" and text in self.env:
            return self.env[text]
        raise self.error(f"{text!r} is not known for Pyodide")


def evaluate_marker(marker: str, env: dict[str, str], extras: Iterable[str] = ()) -> bool:
    """Evaluate a PEP 508 marker; raise BuildError on anything it cannot decide."""
    return _MarkerParser(marker, env, frozenset(canonical(e) for e in extras)).parse()


@dataclass(frozen=True)
class Requirement:
    name: str
    extras: frozenset[str]
    marker: str | None


_REQUIREMENT = re.compile(
    r"^\s*(?P<name>[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[(?P<extras>[^\]]*)\])?"
    r"(?P<rest>[^;]*)(?:;(?P<marker>.*))?$"
)


def parse_requirement(text: str) -> Requirement:
    match = _REQUIREMENT.match(text)
    if match is None:
        raise BuildError(f"cannot read the requirement {text!r}")
    extras = frozenset(
        canonical(e.strip()) for e in (match["extras"] or "").split(",") if e.strip()
    )
    marker = match["marker"].strip() if match["marker"] else None
    return Requirement(canonical(match["name"]), extras, marker or None)


# --- Wheels ----------------------------------------------------------------------------


@dataclass
class Wheel:
    path: Path
    name: str  # as the metadata spells it
    version: str
    requires: list[Requirement]
    imports: list[str]
    sha256: str
    depends: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return canonical(self.name)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_wheel(path: Path) -> Wheel:
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            info_dir = next(
                (
                    n.split("/")[0]
                    for n in names
                    if n.count("/") == 1 and n.endswith(".dist-info/METADATA")
                ),
                None,
            )
            if info_dir is None:
                raise BuildError(f"{path.name} is not a wheel: no .dist-info/METADATA")
            metadata = email.parser.Parser().parsestr(archive.read(f"{info_dir}/METADATA").decode())
            top_level = f"{info_dir}/top_level.txt"
            if top_level in names:
                imports = archive.read(top_level).decode().split()
            else:
                imports = sorted(_top_level_names(names))
    except (OSError, zipfile.BadZipFile) as error:
        raise BuildError(f"cannot read the wheel {path}: {error}") from None
    return Wheel(
        path=path,
        name=str(metadata["Name"]),
        version=str(metadata["Version"]),
        requires=[parse_requirement(r) for r in metadata.get_all("Requires-Dist") or []],
        imports=[name for name in imports if name and "/" not in name],
        sha256=sha256_of(path),
    )


def _top_level_names(names: Iterable[str]) -> set[str]:
    found: set[str] = set()
    for name in names:
        top, _, rest = name.partition("/")
        if top.endswith((".dist-info", ".data")) or top == "__pycache__":
            continue
        if rest:
            found.add(top)
        elif top.endswith(".py"):
            found.add(top[:-3])
        elif top.endswith(".so"):
            found.add(top.split(".")[0])
    return found


def _write_wheel(
    path: Path, name: str, version: str, files: Iterable[tuple[str, bytes]], top_level: list[str]
) -> None:
    """A py3-none-any wheel, byte for byte the same for the same input."""
    info = f"{name.replace('-', '_')}-{version}.dist-info"
    entries = sorted(files)
    entries += [
        (f"{info}/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode()),
        (
            f"{info}/WHEEL",
            b"Wheel-Version: 1.0\nGenerator: adapters.browser.bundle\n"
            b"Root-Is-Purelib: true\nTag: py3-none-any\n",
        ),
        (f"{info}/top_level.txt", "".join(f"{t}\n" for t in top_level).encode()),
    ]
    record = io.StringIO()
    for entry, data in entries:
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.write(f"{entry},sha256={digest},{len(data)}\n")
    record.write(f"{info}/RECORD,,\n")
    entries.append((f"{info}/RECORD", record.getvalue().encode()))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for entry, data in entries:
            member = zipfile.ZipInfo(entry, _ZIP_TIME)
            member.external_attr = 0o644 << 16
            member.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(member, data)


def _tree_files(root: Path, prefix: str) -> Iterator[tuple[str, bytes]]:
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__" and not d.startswith("."))
        for file in sorted(files):
            if file.endswith((".pyc", ".pyo")) or file.startswith("."):
                continue
            full = Path(folder) / file
            yield f"{prefix}{full.relative_to(root).as_posix()}", full.read_bytes()


def own_wheel(dest: Path) -> Path:
    """This package as a pure wheel, straight from the files Python imports it from."""
    package = Path(__file__).resolve().parents[1]
    version = _own_version()
    path = dest / f"webapp_adapters-{version}-py3-none-any.whl"
    _write_wheel(path, OWN_DISTRIBUTION, version, _tree_files(package, "adapters/"), ["adapters"])
    return path


def _own_version() -> str:
    from importlib import metadata

    try:
        return metadata.version(OWN_DISTRIBUTION)
    except metadata.PackageNotFoundError:
        from adapters import __version__

        return __version__


def app_wheel(dest: Path, source: Path, skip: set[str]) -> tuple[Path, list[str]]:
    """The app's folder as the wheel ``app-code``: its packages and top-level modules."""
    files: list[tuple[str, bytes]] = []
    top_level: list[str] = []
    for entry in sorted(source.iterdir()):
        name = entry.stem if entry.suffix == ".py" else entry.name
        if entry.name.startswith(".") or entry.name in ("__pycache__", "__init__.py"):
            continue
        if entry.is_dir() and name.isidentifier() and any(entry.rglob("*.py")):
            if name in skip:
                log(f"  app code: leaving out {entry}: the {name!r} wheel provides it")
                continue
            files += _tree_files(entry, f"{name}/")
        elif entry.is_file() and entry.suffix == ".py" and name.isidentifier():
            if name in skip:
                log(f"  app code: leaving out {entry}: the {name!r} wheel provides it")
                continue
            files.append((entry.name, entry.read_bytes()))
        else:
            continue
        top_level.append(name)
    if not top_level:
        raise BuildError(f"{source} holds no Python package or module")
    path = dest / f"{APP_DISTRIBUTION.replace('-', '_')}-0.0.0-py3-none-any.whl"
    _write_wheel(path, APP_DISTRIBUTION, "0.0.0", files, top_level)
    return path, top_level


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


# --- The Pyodide runtime from the npm registry -----------------------------------------


def cache_dir() -> Path:
    configured = os.environ.get("ADAPTERS_CACHE")
    return Path(configured) if configured else Path.home() / ".cache" / "adapters-browser"


def _fetch(url: str) -> bytes:
    # Only https URLs reach here: the registry's, and the tarball address it gives.
    request = urllib.request.Request(url, headers={"User-Agent": "adapters.browser"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
            data: bytes = response.read()
            return data
    except (urllib.error.URLError, OSError) as error:
        raise BuildError(f"cannot download {url}: {error}") from None


def pyodide_tarball(cache: Path) -> Path:
    """The npm tarball of pyodide@PYODIDE_VERSION, checked against the registry's sha512."""
    return npm_tarball(cache, "pyodide", PYODIDE_VERSION)


def npm_tarball(cache: Path, package: str, version: str) -> Path:
    """The npm tarball of package@version, checked against the registry's sha512."""
    label = f"{package} {version}"
    stem = f"{package.lstrip('@').replace('/', '-')}-{version}"
    tarball = cache / f"{stem}.tgz"
    integrity_file = cache / f"{stem}.integrity"
    if (
        tarball.is_file()
        and integrity_file.is_file()
        and _integrity(tarball.read_bytes()) == integrity_file.read_text().strip()
    ):
        log(f"{label}: cached {tarball}")
        return tarball
    url = f"{NPM_REGISTRY}/{package}/{version}"
    log(f"{label}: reading {url}")
    try:
        dist = json.loads(_fetch(url))["dist"]
        expected, tarball_url = str(dist["integrity"]), str(dist["tarball"])
    except (ValueError, KeyError, TypeError) as error:
        raise BuildError(f"unexpected npm metadata from {url}: {error!r}") from None
    if not expected.startswith("sha512-") or not tarball_url.startswith("https://"):
        raise BuildError(f"unexpected npm metadata from {url}: {dist!r}")
    started = time.monotonic()
    log(f"{label}: downloading {tarball_url}")
    data = _fetch(tarball_url)
    if _integrity(data) != expected:
        raise BuildError(f"{tarball_url} does not match its registry integrity {expected}")
    elapsed = time.monotonic() - started
    log(f"{label}: {len(data) / 1e6:.1f} MB in {elapsed:.1f} s")
    cache.mkdir(parents=True, exist_ok=True)
    for path, content in ((tarball, data), (integrity_file, f"{expected}\n".encode())):
        partial = path.with_name(f".{path.name}.{os.getpid()}")
        partial.write_bytes(content)
        partial.replace(path)
    return tarball


def _integrity(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def extract_runtime(tarball: Path, dest: Path) -> dict[str, Any]:
    """Unpack the runtime files into ``dest``; return the stock lockfile's ``info``."""
    wanted = {f"package/{name}": name for name in RUNTIME_FILES}
    with tarfile.open(tarball, "r:gz") as archive:
        stock_lock: dict[str, Any] | None = None
        for member in archive.getmembers():
            if member.name == f"package/{LOCK_NAME}":
                stock_lock = json.load(_extract(archive, member))
            elif member.name in wanted and member.isfile():
                (dest / wanted.pop(member.name)).write_bytes(_extract(archive, member).read())
    if wanted or stock_lock is None:
        missing = [*wanted.values(), *([] if stock_lock else [LOCK_NAME])]
        raise BuildError(f"the pyodide {PYODIDE_VERSION} tarball lacks {', '.join(missing)}")
    info: dict[str, Any] = stock_lock["info"]
    return info


def _extract(archive: tarfile.TarFile, member: tarfile.TarInfo) -> IO[bytes]:
    handle = archive.extractfile(member)
    if handle is None:
        raise BuildError(f"cannot read {member.name} from the pyodide tarball")
    return handle


# --- The web front ends: the service worker, its page, the PyScript page ---------------

_JS_STATIC_IMPORT = re.compile(r"""\bfrom\s*["'](\./[^"'\s]+\.js)["']""")
_JS_IMPORT = re.compile(r"""(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s*)["'](\./[^"'\s]+\.js)["']""")


def extract_pyscript(tarball: Path, dest: Path) -> list[str]:
    """Unpack what a ``<script type="py">`` page needs from @pyscript/core's ``dist/``.

    That is ``core.js``, ``core.css`` and every chunk ``core.js`` imports, statically or
    on demand; of the plugins (editor, terminal, game), which PyScript always imports,
    only what they import statically: their editor and terminal come only when a page
    uses them. No source maps, no sources, no tests.
    """
    prefix = "package/dist/"
    with tarfile.open(tarball, "r:gz") as archive:
        files = {
            member.name[len(prefix) :]: _extract(archive, member).read()
            for member in archive.getmembers()
            if member.isfile()
            and member.name.startswith(prefix)
            and "/" not in member.name[len(prefix) :]
        }
    if "core.js" not in files or "core.css" not in files:
        raise BuildError(f"the {PYSCRIPT_PACKAGE} {PYSCRIPT_VERSION} tarball lacks dist/core.js")
    wanted, todo = {"core.css"}, ["core.js"]
    while todo:
        name = todo.pop()
        if name in wanted or name.startswith(PYSCRIPT_SKIP):
            continue
        if name not in files:
            raise BuildError(f"{PYSCRIPT_PACKAGE}: dist/{name} is imported but not shipped")
        wanted.add(name)
        text = files[name].decode()
        pattern = _JS_STATIC_IMPORT if name.startswith(PYSCRIPT_PLUGINS) else _JS_IMPORT
        todo += [match.removeprefix("./") for match in pattern.findall(text)]
    dest.mkdir(parents=True, exist_ok=True)
    for name in sorted(wanted):
        (dest / name).write_bytes(files[name])
    return sorted(wanted)


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


# --- Dependencies from PyPI ------------------------------------------------------------


def _pip(
    args: Sequence[str], env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input", *args]
    try:
        return subprocess.run(  # noqa: S603 (our own interpreter's pip)
            command, capture_output=True, text=True, env=env, check=False
        )
    except OSError as error:
        raise BuildError(f"cannot run pip: {error}") from None


_NO_DISTRIBUTION = re.compile(r"No matching distribution found for (\S+)")
_UNAVAILABLE = re.compile(
    r"no matching distributions available for your environment:\n((?:[ \t]+\S+\n)+)"
)
_FROM = re.compile(r"satisfies the requirement (\S+) \(from (?!versions:)([^)]+)\)")


def download_wheels(requirements: list[str], dest: Path, find_links: Path) -> None:
    """``pip download`` for the Pyodide platform; build pure fallbacks when needed."""
    tags = ["--python-version", PYTHON_VERSION, "--implementation", "cp"]
    for abi in ABI_TAGS:
        tags += ["--abi", abi]
    tags += ["--platform", PLATFORM_TAG, "--platform", "any"]
    built: set[str] = set()
    started = time.monotonic()
    while True:
        log(f"resolving {len(requirements)} requirements for {PLATFORM_TAG} (pip download)")
        result = _pip(
            [
                "download", "--only-binary=:all:", *tags, "--progress-bar", "off",
                "--dest", str(dest), "--find-links", str(find_links), *requirements,
            ]
        )  # fmt: skip
        if result.returncode == 0:
            count = len(list(dest.glob("*.whl")))
            log(f"resolved {count} wheels in {time.monotonic() - started:.1f} s")
            return
        output = result.stdout + result.stderr
        missing = _NO_DISTRIBUTION.search(output)
        unavailable = _UNAVAILABLE.search(output)
        if missing is None and unavailable is not None:
            names = ", ".join(unavailable.group(1).split())
            raise BuildError(
                f"no Pyodide wheel on PyPI for {names}, which the requirements need: no pure "
                f"py3-none-any wheel and no {PLATFORM_TAG} wheel. Pin versions that avoid it "
                "(pip's view of the conflict follows):\n" + _tail(output)
            )
        if missing is None:
            raise BuildError(f"pip could not resolve the requirements:\n{_tail(output)}")
        spec = missing.group(1)
        name = parse_requirement(spec).name
        if name in PURE_FALLBACKS and name not in built:
            built.add(name)
            _build_pure(spec, find_links)
            continue
        parent = next((m.group(2) for m in _FROM.finditer(output) if m.group(1) == spec), None)
        needed = f" (needed by {parent})" if parent else ""
        raise BuildError(
            f"no Pyodide wheel for {spec}{needed} on PyPI: it publishes neither a pure "
            f"py3-none-any wheel nor a {PLATFORM_TAG} wheel. Pin a version that does, "
            "or drop the requirement (or the package that needs it)."
        )


def _tail(output: str) -> str:
    lines = [
        line for line in output.strip().splitlines() if "is ignored: it is neither" not in line
    ]
    return "\n".join(lines[-15:])


def _build_pure(spec: str, dest: Path) -> None:
    """Build a package whose C speedups are optional with no compiler: a pure wheel."""
    log(f"building a pure-Python wheel for {spec} (no compiler: CC=false)")
    env = {**os.environ, "CC": "false", "CXX": "false"}
    before = set(dest.glob("*.whl"))
    result = _pip(["wheel", "--no-deps", "--no-binary=:all:", "--wheel-dir", str(dest), spec], env)
    made = set(dest.glob("*.whl")) - before
    if result.returncode != 0 or not made:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-10:])
        raise BuildError(f"cannot build a pure-Python wheel for {spec}:\n{tail}")
    for wheel in made:
        if not wheel.name.endswith("-py3-none-any.whl"):
            wheel.unlink()
            raise BuildError(f"building {spec} gave a platform wheel {wheel.name}, not a pure one")


def resolve_depends(wheels: list[Wheel], roots: list[Requirement], env: dict[str, str]) -> None:
    """Fill each wheel's ``depends`` from its Requires-Dist, markers evaluated for Pyodide,
    with the extras asked for anywhere; fail on a dependency that is not in the bundle."""
    by_key = {wheel.key: wheel for wheel in wheels}
    extras: dict[str, set[str]] = {wheel.key: set() for wheel in wheels}
    for root in roots:
        if root.name in extras and (root.marker is None or evaluate_marker(root.marker, env)):
            extras[root.name] |= root.extras
    changed = True
    while changed:
        changed = False
        for wheel in wheels:
            depends: list[str] = []
            for requirement in wheel.requires:
                if requirement.marker and not evaluate_marker(
                    requirement.marker, env, extras[wheel.key]
                ):
                    continue
                if requirement.name not in by_key:
                    raise BuildError(
                        f"{wheel.name} {wheel.version} needs {requirement.name} in Pyodide, "
                        "but pip did not download it (pip evaluates markers for this machine, "
                        "not for Pyodide): add it with --requirement"
                    )
                if requirement.name not in depends:
                    depends.append(requirement.name)
                if not requirement.extras <= extras[requirement.name]:
                    extras[requirement.name] |= requirement.extras
                    changed = True
            wheel.depends = depends


def lockfile(info: dict[str, Any], wheels: list[Wheel]) -> dict[str, Any]:
    """A pyodide-lock.json listing exactly ``wheels``, by names relative to the lockfile."""
    packages = {
        wheel.key: {
            "name": wheel.name,
            "version": wheel.version,
            "file_name": wheel.path.name,
            "install_dir": "site",
            "sha256": wheel.sha256,
            "package_type": "package",
            "imports": wheel.imports,
            "depends": wheel.depends,
            "unvendored_tests": False,
            "tool": {},
        }
        for wheel in sorted(wheels, key=lambda w: w.key)
    }
    return {"info": info, "packages": packages}


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


def dependency_wheels(requirements: list[str], cache: Path, refresh: bool) -> list[Path]:
    """The requirements' wheels for Pyodide, cached by the exact requirement list."""
    key_source = json.dumps([PYODIDE_VERSION, PLATFORM_TAG, sorted(requirements)])
    key = hashlib.sha256(key_source.encode()).hexdigest()[:16]
    folder = cache / "wheels" / key
    if not requirements:
        return []
    if (folder / ".requirements.json").is_file() and not refresh:
        log(f"dependencies: cached {folder} (--refresh to resolve again)")
        return sorted(folder.glob("*.whl"))
    folder.parent.mkdir(parents=True, exist_ok=True)
    # Resolve into a private folder, then rename it into place: builds running at the same
    # time (pytest-xdist workers) never see a half-filled cache entry.
    with tempfile.TemporaryDirectory(dir=folder.parent, prefix=".partial-") as scratch:
        partial = Path(scratch) / "wheels"
        (partial / "local").mkdir(parents=True)
        download_wheels(requirements, partial, partial / "local")
        (partial / ".requirements.json").write_text(key_source + "\n")
        if refresh or not (folder / ".requirements.json").is_file():
            shutil.rmtree(folder, ignore_errors=True)  # stale, or left by an old builder
        with contextlib.suppress(OSError):  # another build got there first: as good
            partial.rename(folder)
    return sorted(folder.glob("*.whl"))


def build(
    app: str,
    out: Path,
    source: Path,
    requirements: Sequence[str] = (),
    base_path: str = "/",
    refresh: bool = False,
    *,
    web: bool = False,
    pyscript: bool = False,
    env: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Build the bundle; return its manifest (also written to ``out/bundle.json``)."""
    started = time.monotonic()
    env = env if env is not None else parse_env((), ())
    if not source.is_dir():
        raise BuildError(f"--path {source} is not a folder")
    module, attribute = check_app(app, source)
    if not base_path.startswith("/"):
        raise BuildError(f"--base-path must start with / (got {base_path!r})")
    base_path = "/" + base_path.strip("/")
    roots = [parse_requirement(r) for r in requirements]
    created = not out.exists()
    prepare_out(out)
    try:
        app = f"{module}:{attribute}"
        manifest = _build_into(out, app, base_path, source, requirements, roots, refresh, pyscript)
        manifest["env"] = env
        if web:
            copy_web_files(out, WEB_FILES)
            manifest["web"] = {"worker": "sw.js", "index": "index.html", "scope": "app/"}
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
    except BaseException:
        # Leave nothing half-built behind: a later build into the same folder must work.
        shutil.rmtree(out if created else out / RUNTIME_DIR, ignore_errors=True)
        if not created:
            shutil.rmtree(out / PYSCRIPT_DIR, ignore_errors=True)
        raise
    (out / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n")
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    log(
        f"built {out} in {time.monotonic() - started:.1f} s: {len(manifest['wheels'])} wheels, "
        f"{size / 1e6:.1f} MB, app {manifest['app']}"
    )
    return manifest


def _build_into(
    out: Path,
    app: str,
    base_path: str,
    source: Path,
    requirements: Sequence[str],
    roots: list[Requirement],
    refresh: bool,
    pyscript: bool = False,
) -> dict[str, Any]:
    module = app.partition(":")[0]
    runtime = out / RUNTIME_DIR
    cache = cache_dir()
    info = extract_runtime(pyodide_tarball(cache), runtime)
    # PyScript always loads micropip through the lockfile: give it one, but the service
    # worker need not load it (it is left out of "packages" unless asked for).
    extra_micropip = pyscript and MICROPIP not in {root.name for root in roots}
    wanted = [*requirements, MICROPIP] if extra_micropip else list(requirements)
    paths = dependency_wheels(wanted, cache, refresh)
    with tempfile.TemporaryDirectory() as scratch:
        own = own_wheel(Path(scratch))
        wheels = [read_wheel(p) for p in [*paths, own]]
        provided = {name for wheel in wheels for name in wheel.imports}
        code, top_level = app_wheel(Path(scratch), source, provided)
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
    resolve_depends(wheels, roots, marker_environment(str(info["python"])))
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
        "app_code": {"distribution": APP_DISTRIBUTION, "top_level": top_level},
        "builder": {"adapters": _own_version()},
    }
    return manifest


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m adapters.browser",
        description="Build a static folder that runs a WSGI or ASGI app in the browser (Pyodide).",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    command = commands.add_parser("build", help="build the static folder")
    command.add_argument("app", metavar="APP", help="module:attribute, e.g. notes.flask_app:app")
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
    command.add_argument("--base-path", default="/", help="the URL path the app is served under")
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
    command.add_argument(
        "--web", action=argparse.BooleanOptionalAction, default=True,
        help="add the service worker (sw.js, serving the app at app/) and index.html "
        "(default: yes)",
    )  # fmt: skip
    command.add_argument(
        "--pyscript", action="store_true",
        help=f"add pyscript.html: the app in the page with {PYSCRIPT_PACKAGE} (adds micropip)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    requirements = list(args.requirement)
    try:
        for file in args.requirements_file:
            requirements += read_requirements_file(file)
        env = parse_env(args.env, args.secret_env)
        build(
            args.app, args.out, args.path, requirements, args.base_path, args.refresh,
            web=args.web, pyscript=args.pyscript, env=env,
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
