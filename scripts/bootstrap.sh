#!/usr/bin/env bash
# Create .venv (once) and install the pinned tools and the package, editable.
# Re-running is cheap: pip skips what is already installed at the pinned version.
set -euo pipefail
cd "$(dirname "$0")/.."
python_bin="${PYTHON:-python3.11}"
command -v "$python_bin" >/dev/null 2>&1 || python_bin=python3
if [ ! -x .venv/bin/python ]; then
  "$python_bin" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements/dev.txt
if [ ! -x .venv/bin/adapters ]; then  # the editable install, with its console script
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps \
    --no-build-isolation -e .
fi
# The Lambda Runtime Interface Emulator for tests/emulator/test_runtime_emulator.py (instant when present).
bash scripts/install-rie.sh
# The peers' test suites, from their source distributions, for tests/peer_suites (instant when present).
bash scripts/fetch-peer-suites.sh
