"""The resolution as pip's JSON installation report, and the wheels it names, fetched.

``pip install --dry-run --report`` resolves exactly as ``pip download`` does but says
what it chose in a documented format (https://pip.pypa.io/en/stable/reference/installation-report/):
each distribution's file URL, its SHA-256 and its metadata. So the build reads pip's
decision instead of the files pip happened to leave in a folder, checks every file it
fetches against the hash the index published, and fetches them in parallel.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import BuildError
from .npm import download

REPORT_VERSION = "1"
PARALLEL_DOWNLOADS = 8


@dataclass(frozen=True)
class Chosen:
    name: str
    version: str
    url: str
    sha256: str | None
    requires_python: str | None = None

    @property
    def file_name(self) -> str:
        return urllib.parse.unquote(urllib.parse.urlsplit(self.url).path.rsplit("/", 1)[-1])


def read_report(path: Path) -> list[Chosen]:
    """The distributions pip chose, from its installation report."""
    try:
        report: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise BuildError(f"pip wrote no readable installation report ({error})") from None
    if str(report.get("version")) != REPORT_VERSION:
        raise BuildError(f"pip's installation report has version {report.get('version')!r}")
    chosen = []
    for item in report.get("install", []):
        info = item.get("download_info") or {}
        hashes = (info.get("archive_info") or {}).get("hashes") or {}
        metadata = item.get("metadata") or {}
        url = str(info.get("url", ""))
        if not url.endswith(".whl"):
            raise BuildError(f"pip chose {url or 'an unnamed file'}, which is not a wheel")
        name, version = str(metadata.get("name")), str(metadata.get("version"))
        requires_python = metadata.get("requires_python")
        chosen.append(Chosen(name, version, url, hashes.get("sha256"), requires_python))
    return chosen


def fetch_all(chosen: list[Chosen], dest: Path) -> list[Path]:
    """Each chosen wheel into ``dest``, checked against its published SHA-256."""
    with ThreadPoolExecutor(PARALLEL_DOWNLOADS) as pool:
        return list(pool.map(lambda item: fetch(item, dest), chosen))


def fetch(item: Chosen, dest: Path) -> Path:
    target = dest / item.file_name
    partial = target.with_name(f".{target.name}.partial")
    parts = urllib.parse.urlsplit(item.url)
    try:
        if parts.scheme == "file":
            shutil.copyfile(urllib.request.url2pathname(parts.path), partial)
        elif parts.scheme == "https":
            partial.write_bytes(download(item.url))  # the npm tarballs' downloader
        else:
            raise BuildError(f"{item.name}: pip chose {item.url}, neither https nor a local file")
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise BuildError(f"cannot download {item.url}: {error}") from None
    if item.sha256 is not None:
        digest = hashlib.sha256(partial.read_bytes()).hexdigest()
        if digest != item.sha256:
            partial.unlink(missing_ok=True)
            raise BuildError(
                f"{item.url} does not match the SHA-256 the index gives "
                f"({digest}, not {item.sha256})"
            )
    partial.replace(target)
    return target


def check_requires_python(chosen: list[Chosen], python_version: str) -> None:
    """pip install checks Requires-Python against the build machine's Python, not the
    target's (pip 23 passes the target only to ``pip download``), so the resolve runs
    with ``--ignore-requires-python`` and the target's Python is checked here."""
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    for item in chosen:
        if not item.requires_python:
            continue
        try:
            allowed = SpecifierSet(item.requires_python)
        except InvalidSpecifier:
            continue  # pip ignores what it cannot read, and so do we
        if not allowed.contains(python_version, prereleases=True):
            raise BuildError(
                f"{item.name} {item.version} requires Python {item.requires_python}, and "
                f"Pyodide's is {python_version}: pin a version of {item.name} that supports it"
            )
