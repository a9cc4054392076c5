"""`python -m bench [--quick] [--json PATH]`: every measurement, one table, one JSON file.

Exits 0 whenever the measurements ran, whether or not the targets are met (the table and
the JSON say which are); it exits 1 only when something could not be measured, for
example an implementation that did not answer 200 with the body it was sent.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import browser, cold, emulator, instructions, invocation
from .report import evaluate_targets, render_table, write_json

DEFAULT_JSON = Path(__file__).resolve().parent / "results" / "latest.json"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="few iterations (CI): well under a minute"
    )
    parser.add_argument(
        "--json", type=Path, default=DEFAULT_JSON, help=f"result file (default {DEFAULT_JSON})"
    )
    parser.add_argument(
        "--no-emulator", action="store_true", help="skip the Lambda cold starts through the RIE"
    )
    parser.add_argument(
        "--no-instructions", action="store_true", help="skip the callgrind instruction counts"
    )
    args = parser.parse_args(argv)
    settings = invocation.QUICK if args.quick else invocation.FULL
    cold_runs, emulator_runs = (3, 1) if args.quick else (15, 5)
    started = time.perf_counter()
    load_before = os.getloadavg()
    log(f"bench: {'quick' if args.quick else 'full'} run")
    log("per-invocation time")
    results: dict[str, Any] = {"invocation": invocation.run(settings, log)}
    log("instruction counts (callgrind)")
    if args.no_instructions:
        results["instructions"] = {"skipped": "--no-instructions"}
    else:
        counting = (
            instructions.Settings(
                n1=20, n2=60, warmup=10, repeat=False, sources=("http",), details=False
            )
            if args.quick
            else instructions.Settings()
        )
        results["instructions"] = instructions.run(log, counting)
    log("cold cost (subprocesses)")
    results["cold"] = cold.run(cold_runs, log)
    log("Lambda cold start through the runtime emulator")
    if args.no_emulator:
        results["emulator"] = {"skipped": "--no-emulator", "handlers": {}}
    else:
        results["emulator"] = emulator.run(emulator_runs, log)
    results["browser"] = browser.run()
    results["targets"] = evaluate_targets(results)
    elapsed = time.perf_counter() - started
    results["meta"] = {
        "mode": "quick" if args.quick else "full",
        "seconds": round(elapsed, 1),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "settings": {
            **vars(settings),
            "cold_runs": cold_runs,
            "emulator_runs": emulator_runs,
        },
    }
    print(render_table(results))
    write_json(args.json, results)
    print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
