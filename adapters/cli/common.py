"""What the subcommands share: errors, imports of user code, a stand-in Lambda context."""

from __future__ import annotations

import importlib
import os
import sys
import time
import uuid
from pathlib import Path
from typing import Any


class CommandError(Exception):
    """A problem the user can fix; printed as one line, no traceback."""


def import_object(spec: str, search_path: str | Path | None = None) -> Any:
    """`module:attribute` (or `module.attribute`) imported from `search_path` or the cwd."""
    module_name, colon, attribute = spec.partition(":")
    if not colon:
        module_name, _, attribute = spec.rpartition(".")
    if not module_name or not attribute:
        raise CommandError(f"{spec!r} is not MODULE:NAME (for example app:handler)")
    folder = str(Path(search_path or os.getcwd()).resolve())
    if folder not in sys.path:
        sys.path.insert(0, folder)
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name and module_name.startswith(error.name):
            raise CommandError(f"no module named {error.name!r} in {folder}") from None
        raise
    try:
        return getattr(module, attribute)
    except AttributeError:
        raise CommandError(f"module {module_name!r} has no {attribute!r}") from None


class LocalContext:
    """The Lambda context object, as the runtime would pass it."""

    def __init__(
        self, function_name: str = "local", timeout: float = 30.0, memory: int = 512
    ) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = (
            f"arn:aws:lambda:us-east-1:123456789012:function:{function_name}"
        )
        self.memory_limit_in_mb = memory
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = time.strftime("%Y/%m/%d/[$LATEST]") + uuid.uuid4().hex
        self._deadline = time.monotonic() + timeout

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))
