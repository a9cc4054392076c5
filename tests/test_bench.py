"""`python -m bench --quick` runs end to end: exit 0, every target row, valid JSON.

Only the harness is checked here; no timing is ever asserted (the machine running the
tests decides those, and the targets are reported, not enforced).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.report import TARGETS

ROOT = Path(__file__).resolve().parents[1]
STATUSES = {"MET", "NOT MET", "NO DATA"}


@pytest.fixture(scope="module")
def quick_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[subprocess.CompletedProcess[str], Path]:
    out = tmp_path_factory.mktemp("bench") / "result.json"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    completed = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--json", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return completed, out


def test_exits_zero(quick_run: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    completed, _ = quick_run
    assert completed.returncode == 0, completed.stderr[-4000:]


def test_table_has_every_section_and_target_row(
    quick_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    completed, _ = quick_run
    table = completed.stdout
    for heading in (
        "== Per invocation",
        "== Instructions per invocation (callgrind) ==",
        "== Cold cost",
        "== Lambda cold start",
        "== Browser",
        "== Targets ==",
    ):
        assert heading in table
    targets_section = table.split("== Targets ==", 1)[1]
    for text in TARGETS.values():
        row = next((line for line in targets_section.splitlines() if line.startswith(text)), None)
        assert row is not None, f"no row for {text!r}"
        assert any(status in row for status in STATUSES), row
    for label in (
        "Mangum + Starlette",
        "apig-wsgi + Flask",
        "serverless-wsgi + Flask",
        "LambdaHandler + FastAPI",
        "one b64decode + one b64encode of the body",
    ):
        assert label in table


def test_json_result(quick_run: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    completed, out = quick_run
    assert f"wrote {out}" in completed.stdout
    result = json.loads(out.read_text())
    assert {"meta", "invocation", "cold", "emulator", "browser", "targets"} <= result.keys()
    assert result["meta"]["mode"] == "quick"
    assert set(result["targets"]) == set(TARGETS)
    for key, target in result["targets"].items():
        assert target["status"] in STATUSES, key
        assert target["target"] == TARGETS[key]
    assert {
        "http/small",
        "http/large",
        "rest/small",
        "rest/large",
        "alb/small",
        "alb/large",
    } == set(result["invocation"])
    for scenario in result["invocation"].values():
        for figures in scenario["results"].values():
            assert {"median_us", "p90_us"} <= figures.keys()
    subjects = result["cold"]["subjects"]
    assert {
        "adapters-wsgi",
        "adapters-asgi",
        "apig_wsgi",
        "serverless_wsgi",
        "mangum",
        "compat-apig-wsgi",
        "compat-serverless-wsgi",
        "compat-mangum",
    } == set(subjects)
    assert isinstance(result["cold"]["wsgi_path_asyncio"]["asyncio"], bool)
    emulator = result["emulator"]
    assert emulator["skipped"] or emulator["handlers"]
