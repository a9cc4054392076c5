"""The app's dependencies as wheels for Pyodide, from PyPI through ``pip download``.

pip resolves for the Pyodide platform tag (pure wheels or ``pyemscripten`` ones), builds
a pure wheel for a package whose C speedups are optional (markupsafe), explains a
package that has no Pyodide wheel, and the result is cached by the requirement list.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from .errors import BuildError, log
from .markers import parse_requirement
from .target import ABI_TAGS, PLATFORM_TAG, PYODIDE_VERSION, PYTHON_VERSION

PURE_FALLBACKS = frozenset({"markupsafe"})
"""Packages whose C speedups are optional: with no compiler they build a pure wheel."""


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
