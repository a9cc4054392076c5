#!/usr/bin/env bash
# Lint, types and the test suite, with whatever infrastructure is already up (the inner
# loop; tests that need Docker or Chromium skip when those are missing, unless CI=true).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
echo "== ruff"
.venv/bin/ruff check adapters tests lambda scripts bench
.venv/bin/ruff format --check adapters tests lambda scripts bench
echo "== mypy --strict (the package, the example app, the Python the tests run in Pyodide)"
MYPYPATH=lambda .venv/bin/mypy adapters lambda/notes lambda/wsgi_handler.py lambda/asgi_handler.py \
  lambda/queue_handler.py \
  tests/node/pyodide_programs
echo "== pytest"
.venv/bin/python -m pytest "$@"
