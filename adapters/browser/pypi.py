"""The app's dependencies as wheels for Pyodide, from PyPI, resolved by pip.

pip resolves for the Pyodide platform tag (pure wheels or ``pyemscripten`` ones) and says
what it chose in its JSON installation report (``report``: fetched in parallel, each
file checked against the index's hash); this module builds a pure wheel for a package
whose C speedups are optional (markupsafe), explains what cannot be had, and caches the
result by the requirement list.
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
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from .errors import BuildError, log
from .markers import parse_requirement
from .report import check_requires_python, fetch_all, read_report
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
_VERSIONS = re.compile(
    r"satisfies the requirement (\S+) (?:\((?!versions:)[^)]*\) )?\(from versions: ([^)]*)\)"
)

Distribution = Mapping[str, Mapping[str, Any]]
"""Pyodide's own packages, by canonical name: their stock lockfile entries."""
DistributionSource = Callable[[], Distribution]
"""Reads the distribution when needed: only a resolve that runs pip does."""


def download_wheels(
    requirements: list[str],
    dest: Path,
    find_links: Path,
    *,
    wheel_dirs: Sequence[Path] = (),
    distribution: DistributionSource | None = None,
) -> None:
    """Resolve with pip for the Pyodide platform (its JSON installation report), fetch the
    wheels it chose into ``dest``; build pure fallbacks when needed.

    ``wheel_dirs`` are folders of wheels taken before PyPI (Pyodide's own packages from its
    release, wheels built locally); a wheel there with the file name of one of Pyodide's
    own packages must be that very file (its SHA-256 in ``distribution``).
    """
    pyodide_packages = distribution() if distribution is not None else {}
    tags = ["--python-version", PYTHON_VERSION, "--implementation", "cp"]
    for abi in ABI_TAGS:
        tags += ["--abi", abi]
    tags += ["--platform", PLATFORM_TAG, "--platform", "any"]
    for folder in wheel_dirs:
        if not folder.is_dir():
            raise BuildError(f"--wheels {folder} is not a folder")
        tags += ["--find-links", str(folder)]
    built: set[str] = set()
    started = time.monotonic()
    report = dest / ".pip-report.json"
    while True:
        log(f"resolving {len(requirements)} requirements for {PLATFORM_TAG} (pip's report)")
        # --target only makes pip accept the platform options; --dry-run writes nothing
        result = _pip(
            [
                "install", "--dry-run", "--ignore-installed", "--target", str(dest / ".none"),
                "--ignore-requires-python",  # checked for Pyodide's Python below
                "--only-binary=:all:", *tags, "--progress-bar", "off",
                "--report", str(report), "--find-links", str(find_links), *requirements,
            ]
        )  # fmt: skip
        if result.returncode == 0:
            chosen = read_report(report)
            report.unlink()
            check_requires_python(chosen, PYTHON_VERSION)
            fetched = fetch_all(chosen, dest)
            # pip names a local file by its absolute path, symlinks kept: both spellings
            prefixes = tuple(
                uri + "/"
                for folder in wheel_dirs
                for uri in {Path(os.path.abspath(folder)).as_uri(), folder.resolve().as_uri()}
            )
            local = [
                path for item, path in zip(chosen, fetched, strict=True)
                if prefixes and item.url.startswith(prefixes)
            ]  # fmt: skip
            check_distribution_files(local, pyodide_packages)
            log(f"resolved {len(chosen)} wheels in {time.monotonic() - started:.1f} s")
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
            conflict = _conflict(output)
            if conflict:
                raise BuildError("the requirements conflict for Pyodide:\n" + conflict)
            raise BuildError(f"pip could not resolve the requirements:\n{_tail(output)}")
        spec = missing.group(1)
        name = parse_requirement(spec).name
        if name in PURE_FALLBACKS and name not in built:
            built.add(name)
            _build_pure(spec, find_links)
            continue
        parent = next((m.group(2) for m in _FROM.finditer(output) if m.group(1) == spec), None)
        needed = f" (needed by {parent})" if parent else ""
        versions = next((m.group(2) for m in _VERSIONS.finditer(output) if m.group(1) == spec), "")
        raise BuildError(explain_missing(spec, name, needed, versions, pyodide_packages))


def explain_missing(
    spec: str, name: str, needed: str, versions: str, distribution: Distribution
) -> str:
    """Why pip found nothing for ``spec``: one of Pyodide's own packages, a version that
    does not exist for Pyodide, a project with no Pyodide wheel, or no such project."""
    if name in distribution:
        entry = distribution[name]
        return (
            f"{spec}{needed} is one of Pyodide's own packages ({entry['name']} "
            f"{entry['version']}, built by Pyodide and served from its CDN, not PyPI): put "
            f"its wheel {entry['file_name']} (from the Pyodide {PYODIDE_VERSION} release) in "
            "a folder and pass it with --wheels DIR"
        )
    offered = [v.strip() for v in versions.split(",") if v.strip() and v.strip() != "none"]
    if offered:
        newest = ", ".join(reversed(offered[-8:]))
        return (
            f"no version of {name} with a Pyodide wheel matches {spec}{needed}; PyPI has "
            f"Pyodide wheels (pure or {PLATFORM_TAG}) of {name} {newest}"
            + (" and older" if len(offered) > 8 else "")
        )
    if not project_exists(name):
        return f"there is no project {name!r} on PyPI{needed}: is the name spelt right?"
    return (
        f"no Pyodide wheel for {spec}{needed} on PyPI: it publishes neither a pure "
        f"py3-none-any wheel nor a {PLATFORM_TAG} wheel. Pin a version that does, "
        "or drop the requirement (or the package that needs it)."
    )


def project_exists(name: str) -> bool:
    """Whether the index has any file of ``name`` (sdists included, for any platform)."""
    return _pip(["index", "versions", name]).returncode == 0


def check_distribution_files(wheels: Sequence[Path], distribution: Distribution) -> None:
    """A wheel from a --wheels folder named as one of Pyodide's own files must be that
    file: same SHA-256. (PyPI's files are checked against the index's own hashes; a pure
    wheel there may share its name with Pyodide's repackaged copy, jinja2's does.)"""
    by_file = {entry["file_name"]: entry for entry in distribution.values()}
    for wheel in wheels:
        entry = by_file.get(wheel.name)
        if entry is None:
            continue
        digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
        if digest != entry["sha256"]:
            raise BuildError(
                f"{wheel.name} is not the file Pyodide {PYODIDE_VERSION} ships: its SHA-256 is "
                f"{digest}, Pyodide's lockfile says {entry['sha256']}"
            )


def _conflict(output: str) -> str:
    """pip's "The conflict is caused by:" lines, without its advice and links."""
    lines = output.splitlines()
    try:
        start = lines.index("The conflict is caused by:") + 1
    except ValueError:
        return ""
    cause = []
    for line in lines[start:]:
        if not line.strip():
            break
        cause.append("  " + line.strip())
    return "\n".join(cause)


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


def dependency_wheels(
    requirements: list[str],
    cache: Path,
    refresh: bool,
    *,
    wheel_dirs: Sequence[Path] = (),
    distribution: DistributionSource | None = None,
) -> list[Path]:
    """The requirements' wheels for Pyodide, cached by the exact requirement list (and
    the wheels of ``wheel_dirs``: names and sizes)."""
    local = sorted(
        f"{wheel.resolve()}:{wheel.stat().st_size}"
        for folder in wheel_dirs
        if folder.is_dir()
        for wheel in folder.glob("*.whl")
    )
    key_source = json.dumps([PYODIDE_VERSION, PLATFORM_TAG, sorted(requirements), *local])
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
        download_wheels(
            requirements, partial, partial / "local",
            wheel_dirs=wheel_dirs, distribution=distribution,
        )  # fmt: skip
        (partial / ".requirements.json").write_text(key_source + "\n")
        if refresh or not (folder / ".requirements.json").is_file():
            shutil.rmtree(folder, ignore_errors=True)  # stale, or left by an old builder
        with contextlib.suppress(OSError):  # another build got there first: as good
            partial.rename(folder)
    return sorted(folder.glob("*.whl"))
