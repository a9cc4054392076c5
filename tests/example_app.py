"""Where the example app lives; tests/conftest.py puts its folder on sys.path, since
`lambda` is not an importable package name."""

from __future__ import annotations

from pathlib import Path

LAMBDA_DIR = Path(__file__).resolve().parents[1] / "lambda"
TEMPLATE = LAMBDA_DIR.parent / "template.yaml"
