#!/usr/bin/env bash
# The main job for now: example events from several front doors through the example
# Flask and FastAPI apps, printing each response as the front door receives it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
.venv/bin/python scripts/example.py
