"""Files an app's pages load from a CDN, served by the bundle instead: offline, no CDN.

FastAPI's ``/docs`` and ``/redoc`` pages load Swagger UI and ReDoc from jsDelivr, so in a
bundle they were blank offline, and they reached an outside host online. A mirror maps a
CDN prefix to an npm package kept in the bundle (fetched from the npm registry like the
runtime, integrity-checked); the service worker answers the page's requests for that
prefix from the bundle's files. Requests that only decorate a page (a web font's CSS, a
favicon on another site) are answered with 204 No Content (``stand_ins``), so nothing
leaves the browser. FastAPI's mirrors are added whenever the bundle holds FastAPI;
``--mirror URL=npm:PACKAGE@VERSION`` adds others (htmx from unpkg, say).
"""

from __future__ import annotations

import re
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import BuildError
from .npm import npm_tarball

VENDOR_DIR = "vendor"


@dataclass(frozen=True)
class Mirror:
    url: str
    """The CDN prefix the pages load from, ending in "/"."""
    package: str
    version: str
    files: tuple[str, ...] = ()
    """The package's files to keep (paths inside it); empty: all but source maps."""

    @property
    def folder(self) -> str:
        return f"{VENDOR_DIR}/{self.package.lstrip('@').replace('/', '-')}@{self.version}/"


FASTAPI_MIRRORS = (
    # fastapi.openapi.docs: get_swagger_ui_html and get_redoc_html's default URLs
    Mirror(
        "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/", "swagger-ui-dist", "5.35.0",
        ("swagger-ui-bundle.js", "swagger-ui.css", "LICENSE"),
    ),
    Mirror(
        "https://cdn.jsdelivr.net/npm/redoc@2/", "redoc", "2.5.4",
        ("bundles/redoc.standalone.js", "LICENSE"),
    ),
)  # fmt: skip
FASTAPI_STAND_INS = (
    "https://fonts.googleapis.com/",  # ReDoc's web fonts (the page falls back to its own)
    "https://cdn.redoc.ly/",  # ReDoc's "API docs by Redocly" logo
    "https://fastapi.tiangolo.com/img/",  # the docs' favicon, when a browser asks the worker
)
"""Chromium fetches favicons itself, past any service worker: the one FastAPI's docs
name is the one request of theirs that a worker cannot answer."""

_MIRROR_OPTION = re.compile(
    r"(?P<url>https://[^=\s]+/)=npm:(?P<package>(?:@[^/@\s]+/)?[^@\s]+)@(?P<version>[^\s@]+)"
)


def parse_mirror(text: str) -> Mirror:
    """``--mirror https://unpkg.com/htmx.org@2/=npm:htmx.org@2.0.4``"""
    match = _MIRROR_OPTION.fullmatch(text.strip())
    if match is None:
        raise BuildError(
            f"--mirror {text!r}: expected URL=npm:PACKAGE@VERSION, the URL an https prefix "
            "ending in / (https://unpkg.com/htmx.org@2/=npm:htmx.org@2.0.4)"
        )
    return Mirror(match["url"], match["package"], match["version"])


def add_mirrors(out: Path, cache: Path, mirrors: list[Mirror]) -> list[dict[str, Any]]:
    """Unpack each mirror's files into the bundle; their manifest entries."""
    entries = []
    for mirror in mirrors:
        tarball = npm_tarball(cache, mirror.package, mirror.version)
        files = _extract(tarball, out / mirror.folder, mirror)
        entries.append(
            {
                "url": mirror.url,
                "path": mirror.folder,
                "package": f"{mirror.package}@{mirror.version}",
                "files": [f"{mirror.folder}{name}" for name in files],
            }
        )
    return entries


def _extract(tarball: Path, dest: Path, mirror: Mirror) -> list[str]:
    wanted = set(mirror.files)
    taken: list[str] = []
    with tarfile.open(tarball, "r:gz") as archive:
        for member in archive.getmembers():
            if not member.isfile() or not member.name.startswith("package/"):
                continue
            name = member.name.removeprefix("package/")
            if ".." in name.split("/") or name.startswith("/"):
                continue
            if wanted and name not in wanted:
                continue
            if not wanted and name.endswith(".map"):
                continue
            handle = archive.extractfile(member)
            if handle is None:
                continue
            target = dest / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(handle.read())
            taken.append(name)
    missing = wanted - set(taken)
    if missing:
        label = f"{mirror.package}@{mirror.version}"
        raise BuildError(f"the npm package {label} has no {', '.join(sorted(missing))}")
    return sorted(taken)
