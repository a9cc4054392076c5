"""Lambda cold start through the real runtime: the RIE plus awslambdaric, no Docker.

Each run starts a fresh RIE for one handler module and times process start to the first
invoke answered (the RIE starts the runtime on the first invoke, so this covers the
runtime client's start, the handler module's import and the first request), then a few
warm invokes. Handlers: the example ones in lambda/ (LambdaHandler) and the same notes
apps wrapped by the peers (bench/handlers/). Runs of the handlers are interleaved.
"""

from __future__ import annotations

import importlib.util
import os
import statistics
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from adapters.events import build_event

ROOT = Path(__file__).resolve().parents[1]
HANDLER_DIR = Path(__file__).resolve().parent / "handlers"

# module, label, which app
HANDLERS = [
    ("wsgi_handler", "LambdaHandler + Flask notes (lambda/wsgi_handler.py)", "flask"),
    ("peer_apig_wsgi_handler", "apig-wsgi + Flask notes", "flask"),
    ("peer_serverless_wsgi_handler", "serverless-wsgi + Flask notes", "flask"),
    ("asgi_handler", "LambdaHandler + FastAPI notes (lambda/asgi_handler.py)", "fastapi"),
    ("peer_mangum_handler", "Mangum + FastAPI notes", "fastapi"),
]
WARM_INVOKES = 5


def missing() -> str | None:
    """Why the emulator cannot run here, or None."""
    from tests.runtime_emulator import RIE_PATH

    if not os.access(RIE_PATH, os.X_OK):
        return f"Lambda RIE not found at {RIE_PATH} (run scripts/install-rie.sh)"
    if importlib.util.find_spec("awslambdaric") is None:
        return "awslambdaric is not installed (run scripts/bootstrap.sh)"
    return None


def one_run(module: str, log_dir: Path, cache_dir: Path) -> dict[str, float]:
    from tests.runtime_emulator import RuntimeEmulator

    extra_env = {
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(HANDLER_DIR)]),
        # tests/runtime_emulator.py sets PYTHONDONTWRITEBYTECODE, under which our sources
        # and the notes app compile on every start while site-packages have their caches;
        # one shared cache prefix gives every handler its bytecode caches alike.
        "PYTHONDONTWRITEBYTECODE": "",
        "PYTHONPYCACHEPREFIX": str(cache_dir),
    }
    emulator = RuntimeEmulator(module, log_dir, extra_env=extra_env)
    emulator.start()
    try:
        event = build_event("http", path="/api/health")
        status, answer, first = emulator.invoke(event)
        if status != 200 or not isinstance(answer, dict) or answer.get("statusCode") != 200:
            raise RuntimeError(
                f"{module}: the first invoke answered {status} {answer!r}\n"
                f"{emulator.describe_logs()}"
            )
        warm = [emulator.invoke(event)[2] for _ in range(WARM_INVOKES)]
        assert emulator.cold_start is not None
        return {
            "cold_start_ms": emulator.cold_start * 1000,
            "first_invoke_ms": first * 1000,
            "warm_invoke_ms": statistics.median(warm) * 1000,
        }
    finally:
        emulator.stop()


def run(runs: int, log: Callable[[str], None]) -> dict[str, Any]:
    reason = missing()
    if reason is not None:
        return {"skipped": reason, "handlers": {}}
    samples: dict[str, list[dict[str, float]]] = {module: [] for module, _, _ in HANDLERS}
    log(f"  {len(HANDLERS)} handlers x {runs} runs")
    with tempfile.TemporaryDirectory(prefix="bench-rie-") as tmp:
        cache_dir = Path(tmp) / "pycache"
        for module, _, _ in HANDLERS:  # unrecorded: writes the bytecode caches
            one_run(module, Path(tmp) / f"{module}-warmup", cache_dir)
        for index in range(runs):
            for module, _, _ in HANDLERS:
                samples[module].append(one_run(module, Path(tmp) / f"{module}-{index}", cache_dir))
    handlers: dict[str, Any] = {}
    for module, label, app in HANDLERS:
        values = samples[module]
        handlers[module] = {
            "label": label,
            "app": app,
            "runs": len(values),
            **{
                key: round(statistics.median(v[key] for v in values), 1)
                for key in ("cold_start_ms", "first_invoke_ms", "warm_invoke_ms")
            },
            "cold_start_all_ms": [round(v["cold_start_ms"], 1) for v in values],
        }
    return {"skipped": None, "handlers": handlers}
