"""CDN files the app's pages load, kept in the bundle (``adapters.browser.mirrors``): which
builds get them, what the manifest says, and the option's errors. Swagger UI and ReDoc
rendering with no CDN in Chromium is tests/chromium/test_browser_chromium.py.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from adapters.browser import bundle
from adapters.browser.errors import BuildError
from adapters.browser.mirrors import FASTAPI_MIRRORS, parse_mirror

from ..example_app import LAMBDA_DIR


def test_a_fastapi_bundle_keeps_swagger_ui_and_redoc(notes_bundle: Path) -> None:
    manifest = json.loads((notes_bundle / "bundle.json").read_text())
    assert "fastapi" in manifest["packages"]
    mirrors = {mirror["url"]: mirror for mirror in manifest["mirrors"]}
    swagger = mirrors["https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/"]
    assert {Path(name).name for name in swagger["files"]} == {
        "swagger-ui-bundle.js", "swagger-ui.css", "LICENSE",
    }  # fmt: skip
    assert "https://cdn.jsdelivr.net/npm/redoc@2/" in mirrors
    listed = {entry["path"]: entry["sha256"] for entry in manifest["files"]}
    for mirror in manifest["mirrors"]:
        for name in mirror["files"]:
            data = (notes_bundle / name).read_bytes()
            assert listed[name] == hashlib.sha256(data).hexdigest(), "cached for offline"
    assert "https://fonts.googleapis.com/" in manifest["stand_ins"]


def test_a_bundle_without_fastapi_keeps_none(tmp_path: Path) -> None:
    source = tmp_path / "code"
    source.mkdir()
    (source / "hello.py").write_text("def app(environ, start_response):\n    return []\n")
    manifest = bundle.build("hello:app", tmp_path / "site", source)
    assert "mirrors" not in manifest and "stand_ins" not in manifest
    assert not (tmp_path / "site" / "vendor").exists()


def test_a_mirror_of_ones_own(tmp_path: Path) -> None:
    source = tmp_path / "code"
    source.mkdir()
    (source / "hello.py").write_text("def app(environ, start_response):\n    return []\n")
    manifest = bundle.build(
        "hello:app", tmp_path / "site", source,
        mirrors=["https://unpkg.com/htmx.org@2/=npm:htmx.org@2.0.4"],
    )  # fmt: skip
    [mirror] = manifest["mirrors"]
    assert mirror["url"] == "https://unpkg.com/htmx.org@2/"
    assert "vendor/htmx.org@2.0.4/dist/htmx.min.js" in mirror["files"]
    assert not [name for name in mirror["files"] if name.endswith(".map")]
    assert (tmp_path / "site" / "vendor/htmx.org@2.0.4/dist/htmx.min.js").is_file()


@pytest.mark.parametrize(
    "option",
    [
        "https://unpkg.com/htmx.org@2=npm:htmx.org@2.0.4",  # the prefix must end in /
        "http://unpkg.com/htmx.org@2/=npm:htmx.org@2.0.4",  # https only
        "https://unpkg.com/htmx.org@2/=htmx.org@2.0.4",
        "https://unpkg.com/htmx.org@2/=npm:htmx.org",  # a version: the bundle is pinned
    ],
)
def test_a_mirror_option_that_says_too_little_is_refused(option: str) -> None:
    with pytest.raises(BuildError, match="expected URL=npm:PACKAGE@VERSION"):
        parse_mirror(option)


def test_a_mirror_option_with_a_scoped_package() -> None:
    mirror = parse_mirror("https://cdn.example/ui/=npm:@scope/ui-kit@1.2.3")
    assert (mirror.package, mirror.version) == ("@scope/ui-kit", "1.2.3")
    assert mirror.folder == "vendor/scope-ui-kit@1.2.3/"


def test_a_base_path_over_the_vendor_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BuildError):
        bundle.build("notes.flask_app:app", tmp_path / "site", LAMBDA_DIR, base_path="/vendor")
    assert FASTAPI_MIRRORS[0].folder.startswith("vendor/")
