"""Pyodide and PyScript from the npm registry, checked against its sha512 ``integrity``.

The tarballs are cached (``ADAPTERS_CACHE``, else ~/.cache/adapters-browser); only the
files a bundle serves are unpacked from them: the runtime and its stock lockfile's
``info`` from ``pyodide``, and what a PyScript page imports from ``@pyscript/core``.
Neither Node nor npm is needed.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import tarfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO, Any

from .errors import BuildError, log
from .target import PYODIDE_VERSION

NPM_REGISTRY = "https://registry.npmjs.org"
RUNTIME_FILES = (
    "pyodide.mjs",  # the loader as an ES module (pages, module workers, Node)
    "pyodide.js",  # the same loader for classic <script> tags
    "pyodide.asm.mjs",  # the Emscripten module the loader imports
    "pyodide.asm.wasm",
    "python_stdlib.zip",
)
LOCK_NAME = "pyodide-lock.json"
PYSCRIPT_PACKAGE = "@pyscript/core"
PYSCRIPT_VERSION = "0.7.31"
PYSCRIPT_SKIP = ("codemirror", "xterm")
"""Chunks only the editor and terminal plugins load, when a page uses them."""
PYSCRIPT_PLUGINS = ("py-editor", "py-terminal", "py-game")
"""Plugins PyScript always imports (small); what they load on demand is left out."""


def cache_dir() -> Path:
    configured = os.environ.get("ADAPTERS_CACHE")
    return Path(configured) if configured else Path.home() / ".cache" / "adapters-browser"


def download(url: str) -> bytes:
    # Only https URLs reach here: the npm registry's and the wheel URLs pip reports.
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
        dist = json.loads(download(url))["dist"]
        expected, tarball_url = str(dist["integrity"]), str(dist["tarball"])
    except (ValueError, KeyError, TypeError) as error:
        raise BuildError(f"unexpected npm metadata from {url}: {error!r}") from None
    if not expected.startswith("sha512-") or not tarball_url.startswith("https://"):
        raise BuildError(f"unexpected npm metadata from {url}: {dist!r}")
    started = time.monotonic()
    log(f"{label}: downloading {tarball_url}")
    data = download(tarball_url)
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


def stock_packages(tarball: Path) -> dict[str, dict[str, Any]]:
    """The packages of Pyodide's own distribution, from the stock lockfile (by canonical
    name): built by Pyodide and served from its CDN, not PyPI, so pip cannot find them."""
    with tarfile.open(tarball, "r:gz") as archive:
        try:
            member = archive.getmember(f"package/{LOCK_NAME}")
        except KeyError:
            raise BuildError(f"the pyodide {PYODIDE_VERSION} tarball lacks {LOCK_NAME}") from None
        packages: dict[str, dict[str, Any]] = json.load(_extract(archive, member))["packages"]
    return packages


def _extract(archive: tarfile.TarFile, member: tarfile.TarInfo) -> IO[bytes]:
    handle = archive.extractfile(member)
    if handle is None:
        raise BuildError(f"cannot read {member.name} from the pyodide tarball")
    return handle


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
