"""Where the bundle's dependencies come from, and what a build says when they cannot be had.

Real pip against the package index (the resolves are cached per requirement list), with
the four causes a user meets told apart: one of Pyodide's own packages (numpy), a version
that does not exist for Pyodide, a name that is not on the index at all, and a conflict;
``--wheels DIR`` for wheels from elsewhere, with Pyodide's own files checked against the
hashes in its lockfile.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from adapters.browser import pypi
from adapters.browser.bundle import BuildError
from adapters.browser.npm import cache_dir, pyodide_tarball, stock_packages
from adapters.browser.wheels import _write_wheel

from ..node.pyodide_node import ROOT

APP = """import localonly

def app(environ, start_response):
    start_response("200 OK", [])
    return [localonly.WORD.encode()]
"""


@pytest.fixture
def source(tmp_path: Path) -> Path:
    folder = tmp_path / "code"
    folder.mkdir()
    (folder / "hello.py").write_text(APP)
    return folder


def build(tmp_path: Path, source: Path, *args: str) -> tuple[int, str]:
    command = [
        sys.executable, "-m", "adapters.browser", "build", "hello:app", "--path", str(source),
        "--out", str(tmp_path / "site"), *args,
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT)
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, done.stderr


def test_one_of_pyodides_own_packages_is_named_as_such(tmp_path: Path, source: Path) -> None:
    status, stderr = build(tmp_path, source, "-r", "numpy")
    numpy = stock_packages(pyodide_tarball(cache_dir()))["numpy"]
    assert status == 1
    assert "numpy is one of Pyodide's own packages" in stderr
    assert numpy["file_name"] in stderr and "--wheels DIR" in stderr


def test_a_version_that_does_not_exist_for_pyodide_lists_those_that_do(
    tmp_path: Path, source: Path
) -> None:
    status, stderr = build(tmp_path, source, "-r", "flask==99")
    assert status == 1
    assert "no version of flask with a Pyodide wheel matches flask==99" in stderr
    assert "3.1.3" in stderr


def test_a_misspelt_name_is_called_that(tmp_path: Path, source: Path) -> None:
    status, stderr = build(tmp_path, source, "-r", "flask-that-nobody-published-xq")
    assert status == 1
    assert "there is no project 'flask-that-nobody-published-xq' on PyPI" in stderr
    assert "spelt" in stderr


def test_a_conflict_says_who_wants_what_and_nothing_more(tmp_path: Path, source: Path) -> None:
    status, stderr = build(tmp_path, source, "-r", "flask==3.1.3", "-r", "werkzeug==2.0.0")
    assert status == 1
    assert "the requirements conflict for Pyodide:" in stderr
    assert "The user requested werkzeug==2.0.0" in stderr
    assert "flask 3.1.3 depends on werkzeug>=3.1.0" in stderr
    assert "https://" not in stderr  # pip's advice and links are left out


def test_wheels_from_a_folder_of_ones_own(tmp_path: Path, source: Path) -> None:
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    _write_wheel(
        wheels / "adapters_local_only-1.0-py3-none-any.whl", "adapters-local-only", "1.0",
        [("localonly/__init__.py", b"WORD = 'local'\n")], ["localonly"],
    )  # fmt: skip
    status, stderr = build(tmp_path, source, "-r", "adapters-local-only==1.0")
    assert status == 1 and "there is no project 'adapters-local-only'" in stderr
    status, stderr = build(
        tmp_path, source, "-r", "adapters-local-only==1.0", "--wheels", str(wheels)
    )
    assert status == 0, stderr
    manifest = json.loads((tmp_path / "site" / "bundle.json").read_text())
    assert "adapters-local-only" in manifest["packages"]
    lock = json.loads((tmp_path / "site" / "pyodide" / "pyodide-lock.json").read_text())
    assert lock["packages"]["adapters-local-only"]["imports"] == ["localonly"]
    wheel = lock["packages"]["adapters-local-only"]["file_name"]
    with zipfile.ZipFile(tmp_path / "site" / "pyodide" / wheel) as archive:
        assert archive.read("localonly/__init__.py") == b"WORD = 'local'\n"


def test_a_wheel_named_as_pyodides_own_must_be_pyodides_file(tmp_path: Path, source: Path) -> None:
    numpy = stock_packages(pyodide_tarball(cache_dir()))["numpy"]
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    _write_wheel(
        wheels / numpy["file_name"], "numpy", numpy["version"],
        [("numpy/__init__.py", b"")], ["numpy"],
    )  # fmt: skip
    status, stderr = build(tmp_path, source, "-r", "numpy", "--wheels", str(wheels))
    assert status == 1
    assert f"{numpy['file_name']} is not the file Pyodide" in stderr
    assert numpy["sha256"] in stderr
    assert not (tmp_path / "site").exists()


def test_wheels_that_is_not_a_folder(tmp_path: Path, source: Path) -> None:
    status, stderr = build(tmp_path, source, "-r", "flask==99", "--wheels", str(tmp_path / "no"))
    assert status == 1
    assert "--wheels" in stderr and "is not a folder" in stderr


@pytest.mark.parametrize(
    ("output", "message"),
    [
        (
            "ERROR: Could not find a version that satisfies the requirement attrs>=99 "
            "(from some-lib) (from versions: 23.1.0, 24.2.0, 25.3.0)\n"
            "ERROR: No matching distribution found for attrs>=99\n",
            r"no version of attrs with a Pyodide wheel matches attrs>=99 \(needed by some-lib\);"
            r" PyPI has Pyodide wheels .* of attrs 25\.3\.0, 24\.2\.0, 23\.1\.0$",
        ),
        (
            "ERROR: Cannot install a and b because these package versions have conflicting "
            "dependencies.\n\nThe conflict is caused by:\n    a 1.0 depends on c<2\n"
            "    b 1.0 depends on c>=2\n\nTo fix this you could try to:\n1. loosen the range\n"
            "ERROR: ResolutionImpossible: for help visit https://pip.pypa.io/\n",
            r"^the requirements conflict for Pyodide:\n  a 1\.0 depends on c<2\n"
            r"  b 1\.0 depends on c>=2$",
        ),
    ],
)
def test_pips_answers_become_one_clear_cause(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, output: str, message: str
) -> None:
    monkeypatch.setattr(
        pypi, "_pip", lambda args, env=None: subprocess.CompletedProcess(args, 1, "", output)
    )
    with pytest.raises(BuildError, match=message):
        pypi.download_wheels(["a"], tmp_path, tmp_path)


def test_a_pypi_wheel_named_like_pyodides_repackaged_copy_is_taken(
    tmp_path: Path, source: Path
) -> None:
    """Pyodide repackages some pure wheels under PyPI's file name with other bytes
    (jinja2): a file from PyPI is checked against PyPI's hash, not Pyodide's."""
    jinja2 = stock_packages(pyodide_tarball(cache_dir()))["jinja2"]
    (source / "hello.py").write_text(
        "import jinja2\n\ndef app(environ, start_response):\n    return []\n"
    )
    status, stderr = build(tmp_path, source, "-r", f"jinja2=={jinja2['version']}", "--refresh")
    assert status == 0, stderr
    lock = json.loads((tmp_path / "site" / "pyodide" / "pyodide-lock.json").read_text())
    assert lock["packages"]["jinja2"]["version"] == jinja2["version"]


def test_a_package_that_needs_a_newer_python_than_the_build_machines(
    tmp_path: Path, source: Path
) -> None:
    """Django 6 requires Python 3.12: Pyodide's 3.14 qualifies, the build machine's 3.11
    must not be what is asked (pip install checks its own Python)."""
    (source / "hello.py").write_text(
        "import django\n\ndef app(environ, start_response):\n    return []\n"
    )
    status, stderr = build(tmp_path, source, "-r", "django==6.1.3", "--refresh")
    assert status == 0, stderr
