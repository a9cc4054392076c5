"""Wheels: read one (name, version, Requires-Dist, import names), or write one.

The bundle's wheels are read for the lockfile; two are written here, byte for byte the
same for the same files: this package (``webapp-adapters``) and the app's code
(``app-code``), so that Pyodide installs them like any other wheel.
"""

from __future__ import annotations

import base64
import email.parser
import hashlib
import io
import os
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .appcode import Ignore, candidates
from .errors import BuildError, log
from .markers import Requirement, canonical, parse_requirement
from .shipped import BROWSER_ENTRIES, module_files, reached_modules

APP_DISTRIBUTION = "app-code"
OWN_DISTRIBUTION = "webapp-adapters"
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


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


def _tree_files(
    root: Path, prefix: str, ignore: Ignore | None = None, base: Path | None = None
) -> Iterator[tuple[str, bytes]]:
    """The files under `root` as (name in the wheel, bytes); `ignore` sees paths relative
    to `base` (the app folder, where its .gitignore lives)."""
    base = root if base is None else base
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        dirs[:] = sorted(
            d
            for d in dirs
            if d != "__pycache__"
            and not d.startswith(".")
            and not (ignore is not None and ignore((here / d).relative_to(base).as_posix(), True))
        )
        for file in sorted(files):
            if file.endswith((".pyc", ".pyo")) or file.startswith("."):
                continue
            full = here / file
            if ignore is not None and ignore(full.relative_to(base).as_posix(), False):
                continue
            yield f"{prefix}{full.relative_to(root).as_posix()}", full.read_bytes()


def content_version(version: str, files: list[tuple[str, bytes]]) -> str:
    """`version` with a local label made from the files (PEP 440: "0.0.0+3f2a9c01d4e7").

    The wheels built here get new names whenever their code changes, so no cache between
    the host and the browser (a CDN, a proxy) can hand out the previous build's file under
    the same name; the worker's hash check would refuse it, but the update would stall.
    """
    digest = hashlib.sha256()
    for name, data in sorted(files):
        digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    label = digest.hexdigest()[:12]
    return f"{version}.{label}" if "+" in version else f"{version}+{label}"


def own_wheel(dest: Path, app_imports: Iterable[str] = ()) -> Path:
    """This package as a pure wheel, straight from the files Python imports it from: the
    modules that run in the browser and those the app imports (``shipped``)."""
    package = Path(__file__).resolve().parents[1]
    known = module_files(package)
    files = [
        (f"adapters/{known[name].relative_to(package).as_posix()}", known[name].read_bytes())
        for name in sorted(reached_modules(package, [*BROWSER_ENTRIES, *app_imports]))
    ]
    if (package / "py.typed").is_file():
        files.append(("adapters/py.typed", b""))
    version = content_version(own_version(), files)
    path = dest / f"webapp_adapters-{version}-py3-none-any.whl"
    _write_wheel(path, OWN_DISTRIBUTION, version, files, ["adapters"])
    return path


def own_version() -> str:
    from importlib import metadata

    try:
        return metadata.version(OWN_DISTRIBUTION)
    except metadata.PackageNotFoundError:
        from adapters import __version__

        return __version__


def app_wheel(
    dest: Path,
    source: Path,
    skip: set[str],
    names: Iterable[str] | None = None,
    ignore: Ignore | None = None,
) -> tuple[Path, list[str]]:
    """The app's code as the wheel ``app-code``: the top-level `names` (default: every
    package and module of the folder), less those another wheel provides (`skip`)."""
    found = candidates(source)
    chosen = sorted(found) if names is None else sorted(names)
    files: list[tuple[str, bytes]] = []
    top_level: list[str] = []
    for name in chosen:
        entry = found[name]
        if name in skip:
            log(f"  app code: leaving out {entry}: the {name!r} wheel provides it")
            continue
        if ignore is not None and ignore(entry.relative_to(source).as_posix(), entry.is_dir()):
            log(f"  app code: leaving out {entry}: .gitignore")
            continue
        if entry.is_dir():
            files += _tree_files(entry, f"{name}/", ignore, source)
        else:
            files.append((entry.name, entry.read_bytes()))
        top_level.append(name)
    if not top_level:
        raise BuildError(f"{source} holds no Python package or module")
    version = content_version("0.0.0", files)
    path = dest / f"{APP_DISTRIBUTION.replace('-', '_')}-{version}-py3-none-any.whl"
    _write_wheel(path, APP_DISTRIBUTION, version, files, top_level)
    return path, top_level
