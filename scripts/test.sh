#!/usr/bin/env bash
# Everything CI checks: lint, types, and the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
echo "== ruff"
.venv/bin/ruff check adapters tests lambda scripts
.venv/bin/ruff format --check adapters tests lambda scripts
echo "== mypy --strict (the package and the example app)"
MYPYPATH=lambda .venv/bin/mypy adapters lambda/notes lambda/wsgi_handler.py lambda/asgi_handler.py
echo "== pytest"
.venv/bin/python -m pytest "$@"
