"""What both web front ends share: the store, the templates, the icon, the settings."""

from __future__ import annotations

import logging
import os
import secrets
from functools import lru_cache
from pathlib import Path

from .store import NoteStore, store_from_environment

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
ICON = (HERE / "static" / "icon.png").read_bytes()

logger = logging.getLogger("notes")


@lru_cache(maxsize=1)
def store() -> NoteStore:
    return store_from_environment()


def session_secret() -> str:
    """SESSION_SECRET signs the session cookie; without it, one per process (dev only)."""
    secret = os.environ.get("SESSION_SECRET")
    if not secret:
        logger.warning("SESSION_SECRET is not set: sessions last only as long as this process")
        secret = secrets.token_hex(32)
    return secret


def diagnostics_enabled() -> bool:
    """NOTES_DIAGNOSTICS=1 adds /api/diagnostics/crash, to see how a crash is answered."""
    return os.environ.get("NOTES_DIAGNOSTICS") == "1"
