"""The adapters Lambda runtime: the invocation loop, with response streaming.

Lambda's managed Python runtime only returns buffered results. This package speaks the
Runtime API itself, so a `LambdaHandler` with `response_mode="streaming"` can stream its
answers to Function URLs (`InvokeMode: RESPONSE_STREAM`) and REST APIs
(`ResponseTransferMode: RESPONSE_STREAM`). Two ways to run it:

- managed python3.12+ runtimes: set `AWS_LAMBDA_EXEC_WRAPPER` to the `exec-wrapper`
  script in this folder (for a package at the root of the code, /var/task/adapters/
  runtime/exec-wrapper);
- OS-only runtimes (provided.al2023): copy `bootstrap` from this folder to the root of
  the code and bring a Python.

Both end in `python -m adapters.runtime`, which serves the handler named by `_HANDLER`.
"""

from __future__ import annotations

from .client import RuntimeAPIError, RuntimeClient
from .loop import serve

__all__ = ["RuntimeAPIError", "RuntimeClient", "serve"]
