"""Moved to `adapters.testing`; kept so that `from adapters.events import build_event` works."""

from __future__ import annotations

from .testing import DEFAULT_DOMAINS, SOURCE_NAMES, ExampleRequest, build_event, client_response

__all__ = ["DEFAULT_DOMAINS", "SOURCE_NAMES", "ExampleRequest", "build_event", "client_response"]
