"""`adapters serve`: placeholder until the local API server lands."""

from __future__ import annotations

from typing import Any


def register(commands: Any) -> None:
    del commands
