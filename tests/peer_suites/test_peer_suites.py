"""The peers' own test suites, from their source distributions, against `adapters.compat`.

Each suite runs in its own pytest process, from a folder holding only the peer's tests and
pytest configuration, with `tests/peer_suites/shims` first on the path: `import mangum` and
`import apig_wsgi` give the drop-ins, never the peers. A per-test timeout means nothing
hangs. The outcome must be exactly the listed differences (expected.py): a new failure or a
stale entry fails, and the pass rate must reach the issue's minimum.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .expected import SUITES, Suite

ROOT = Path(__file__).resolve().parents[2]
SUITES_DIR = ROOT / ".tools" / "peer-suites"
SHIMS = Path(__file__).resolve().parent / "shims"
PER_TEST_TIMEOUT = 30
OUTCOME = re.compile(r"^(PASSED|FAILED|ERROR|XFAIL|XPASS) (\S+)")


def fetched(suite: Suite) -> Path:
    folder = SUITES_DIR / suite.name
    if not (folder / "tests").is_dir():
        subprocess.run(["bash", str(ROOT / "scripts" / "fetch-peer-suites.sh")], check=True)
    return folder


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(SHIMS)  # adapters itself is installed (editable)
    env.pop("PYTEST_ADDOPTS", None)
    return env


def run_suite(suite: Suite) -> dict[str, str]:
    """Test id -> outcome, as the peer's own pytest configuration runs it."""
    folder = fetched(suite)
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:randomly"]
    command += ["-q", "-rA", "--tb=short", f"--timeout={PER_TEST_TIMEOUT}", *suite.paths]
    command += [f"--deselect={test}" for test in suite.left_out]
    done = subprocess.run(
        command,
        cwd=folder,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    outcomes: dict[str, str] = {}
    for line in done.stdout.splitlines():
        match = OUTCOME.match(line)
        if match:
            outcomes[match.group(2)] = match.group(1)
    if not outcomes:
        raise AssertionError(f"no outcomes from {suite.name}'s suite:\n{done.stdout[-3000:]}")
    return outcomes


def test_the_shims_import_the_drop_ins_and_never_the_peers() -> None:
    probe = "import apig_wsgi, mangum, serverless_wsgi as s\n"
    probe += "print(apig_wsgi.__file__, mangum.__file__, s.__file__)"
    done = subprocess.run(
        [sys.executable, "-c", probe],
        env=environment(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert all(line.startswith(str(SHIMS)) for line in done.stdout.split()), done.stdout


@pytest.mark.parametrize("suite", SUITES, ids=[suite.name for suite in SUITES])
def test_the_peers_suite_passes_against_the_drop_in(suite: Suite) -> None:
    outcomes = run_suite(suite)
    failed = {test for test, outcome in outcomes.items() if outcome in ("FAILED", "ERROR")}
    unexpected = sorted(failed - set(suite.differences))
    stale = sorted(test for test in suite.differences if outcomes.get(test) == "PASSED")
    missing = sorted(test for test in suite.differences if test not in outcomes)
    assert not unexpected, f"{suite.name}: failures that are not listed: {unexpected}"
    assert not stale, f"{suite.name}: listed as differences but passing: {stale}"
    assert not missing, f"{suite.name}: listed tests that did not run: {missing}"
    rate = (len(outcomes) - len(failed)) / len(outcomes)
    print(f"{suite.name}: {len(outcomes) - len(failed)} of {len(outcomes)} pass ({rate:.1%})")
    assert rate >= suite.minimum, f"{suite.name}: {rate:.1%} pass, below {suite.minimum:.0%}"
