"""pip's installation report as the build reads it (`adapters.browser.report`): the files
pip chose, fetched and checked against the hashes the index published."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from adapters.browser.errors import BuildError
from adapters.browser.report import Chosen, fetch_all, read_report


def report_file(tmp_path: Path, items: list[dict], version: str = "1") -> Path:
    path = tmp_path / "report.json"
    path.write_text(json.dumps({"version": version, "install": items}))
    return path


def item(url: str, sha256: str | None, name: str = "demo", version: str = "1.0") -> dict:
    archive = {"hashes": {"sha256": sha256}} if sha256 else {}
    return {
        "download_info": {"url": url, "archive_info": archive},
        "metadata": {"name": name, "version": version},
    }


def test_the_chosen_wheels_are_fetched_and_checked(tmp_path: Path) -> None:
    wheel = tmp_path / "index" / "demo-1.0-py3-none-any.whl"
    wheel.parent.mkdir()
    wheel.write_bytes(b"a wheel")
    digest = hashlib.sha256(b"a wheel").hexdigest()
    chosen = read_report(report_file(tmp_path, [item(wheel.as_uri(), digest)]))
    assert chosen == [Chosen("demo", "1.0", wheel.as_uri(), digest)]
    dest = tmp_path / "dest"
    dest.mkdir()
    assert fetch_all(chosen, dest) == [dest / wheel.name]
    assert (dest / wheel.name).read_bytes() == b"a wheel"


def test_a_file_that_does_not_match_its_published_hash_is_refused(tmp_path: Path) -> None:
    wheel = tmp_path / "demo-1.0-py3-none-any.whl"
    wheel.write_bytes(b"tampered")
    dest = tmp_path / "dest"
    dest.mkdir()
    chosen = read_report(report_file(tmp_path, [item(wheel.as_uri(), "0" * 64)]))
    with pytest.raises(BuildError, match="does not match the SHA-256 the index gives"):
        fetch_all(chosen, dest)
    assert list(dest.iterdir()) == []  # nothing half-fetched is left


@pytest.mark.parametrize(
    ("items", "version", "message"),
    [
        ([item("https://files.example/demo-1.0.tar.gz", None)], "1", "not a wheel"),
        ([], "2", "report has version '2'"),
    ],
)
def test_reports_the_build_cannot_use(
    tmp_path: Path, items: list[dict], version: str, message: str
) -> None:
    with pytest.raises(BuildError, match=message):
        read_report(report_file(tmp_path, items, version))


def test_an_url_that_is_neither_https_nor_a_file_is_refused(tmp_path: Path) -> None:
    chosen = [Chosen("demo", "1.0", "http://files.example/demo-1.0-py3-none-any.whl", None)]
    with pytest.raises(BuildError, match="neither https nor a local file"):
        fetch_all(chosen, tmp_path)


def test_no_report_at_all(tmp_path: Path) -> None:
    with pytest.raises(BuildError, match="no readable installation report"):
        read_report(tmp_path / "missing.json")


def test_requires_python_is_checked_for_pyodides_python_not_this_machines() -> None:
    from adapters.browser.report import check_requires_python

    needs_new = Chosen("django", "6.1.3", "https://x/django-6.1.3-py3-none-any.whl", None, ">=3.12")
    check_requires_python([needs_new], "3.14")  # this machine's 3.11 does not matter
    capped = Chosen("old", "1.0", "https://x/old-1.0-py3-none-any.whl", None, "<3.13")
    with pytest.raises(BuildError, match=r"old 1.0 requires Python <3.13, and Pyodide's is 3.14"):
        check_requires_python([capped], "3.14")
