#!/usr/bin/env bash
# The benchmarks: LambdaHandler against Mangum, apig-wsgi and serverless-wsgi, side by side.
# Usage: bash scripts/bench.sh [--quick] [--json PATH]   (see `python -m bench --help`)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements/bench.txt
exec .venv/bin/python -m bench "$@"
