"""The adapters Lambda runtime: the invocation loop, in place of the managed one.

`python -m adapters.runtime` imports the handler named by `_HANDLER` (as the managed
Python runtime does, from `LAMBDA_TASK_ROOT`), then serves invocations until the process
is stopped. Any `handler(event, context)` works, with buffered JSON results; a handler
with `invoke_streaming` (a `LambdaHandler`) may answer with a stream, sent to Lambda as
it is produced. Started by the exec wrapper on the managed runtimes (python3.12 and
later) or by the `bootstrap` of an OS-only runtime (provided.al2023).
"""

from __future__ import annotations

import json
import os
import sys

from ..sources.base import STREAM_LIMIT, result_payload
from .client import RuntimeAPIError, RuntimeClient
from .context import LambdaContext
from .errors import error_info

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from .client import Invocation


class InitError(Exception):
    """The handler could not be loaded; `error_type` is the runtime's name for why."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type


def task_paths() -> list[str]:
    """Where handler code and layers live, in the managed runtime's order."""
    task_root = os.environ.get("LAMBDA_TASK_ROOT") or os.getcwd()
    version = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    return [task_root, f"/opt/python/lib/{version}/site-packages", "/opt/python"]


def load_handler(name: str) -> Callable[..., Any]:
    """`module.attribute` (the module may be a dotted or slashed path), as _HANDLER names it."""
    import importlib

    module_name, _, attribute = name.strip().rpartition(".")
    if not module_name or not attribute:
        raise InitError("Runtime.MalformedHandlerName", f"Bad handler '{name}': not module.name")
    module_name = module_name.replace("/", ".")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise InitError(
            "Runtime.ImportModuleError", f"Unable to import module '{module_name}': {error}"
        ) from error
    handler = getattr(module, attribute, None)
    if handler is None:
        raise InitError(
            "Runtime.HandlerNotFound", f"Handler '{attribute}' missing on module '{module_name}'"
        )
    if not callable(handler):
        raise InitError("Runtime.HandlerNotFound", f"'{name}' is not callable")
    return handler  # type: ignore[no-any-return]


def setup_logging() -> None:
    """Log records on stdout, with the request id, as the managed runtime writes them.

    Honours the advanced logging controls: `AWS_LAMBDA_LOG_FORMAT=JSON` and
    `AWS_LAMBDA_LOG_LEVEL`.
    """
    from . import _logging

    _logging.install(
        os.environ.get("AWS_LAMBDA_LOG_FORMAT", ""), os.environ.get("AWS_LAMBDA_LOG_LEVEL", "")
    )


def serve(handler_name: str | None = None, *, max_invocations: int | None = None) -> int:
    """Load the handler and answer invocations; returns an exit status."""
    address = os.environ.get("AWS_LAMBDA_RUNTIME_API")
    if not address:
        print("adapters.runtime: AWS_LAMBDA_RUNTIME_API is not set", file=sys.stderr)
        return 2
    client = RuntimeClient(address)
    for path in reversed(task_paths()):
        if path not in sys.path and (path == task_paths()[0] or os.path.isdir(path)):
            sys.path.insert(0, path)
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    setup_logging()
    name = handler_name or os.environ.get("_HANDLER", "")
    try:
        handler = load_handler(name)
    except InitError as error:
        report = error_info(error, error_type=error.error_type)
        return _fail_init(client, report)
    except Exception as error:  # the module raised while it was imported
        return _fail_init(client, error_info(error))
    if os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") == "snap-start":
        status = snapshot_and_restore(client)
        if status:
            return status
    stream = getattr(handler, "invoke_streaming", None)
    try:
        concurrency = max_concurrency()
    except ValueError as error:
        return _fail_init(client, error_info(error, error_type="Runtime.InvalidConcurrency"))
    if concurrency > 1:
        return serve_concurrently(address, handler, stream, concurrency, max_invocations)
    served = 0
    while max_invocations is None or served < max_invocations:
        try:
            answer(client, client.next(), handler, stream)
        except RuntimeAPIError as error:  # the environment is ending: so must we
            print(f"adapters.runtime: stopping, {error}", file=sys.stderr)
            return 1
        served += 1
    return 0


def max_concurrency() -> int:
    """`AWS_LAMBDA_MAX_CONCURRENCY`: how many invocations Lambda Managed Instances may send
    this process at once (1 when unset, as everywhere else)."""
    value = os.environ.get("AWS_LAMBDA_MAX_CONCURRENCY", "").strip()
    if not value:
        return 1
    if not value.isdecimal() or not 1 <= int(value) <= 1024:
        raise ValueError(f"AWS_LAMBDA_MAX_CONCURRENCY must be a whole number from 1, not {value!r}")
    return int(value)


def serve_concurrently(
    address: str,
    handler: Callable[..., Any],
    stream: Callable[..., Any] | None,
    concurrency: int,
    max_invocations: int | None = None,
) -> int:
    """Answer up to `concurrency` invocations at once: one thread each, each with its own
    Runtime API connection, all sharing the one handler (so one app, one lifespan and, for
    ASGI, one event loop in a thread of its own: `LambdaHandler.serve_concurrently`)."""
    import threading

    prepare = getattr(handler, "serve_concurrently", None)
    if callable(prepare):
        prepare()
    lock = threading.Lock()
    served = 0
    status = 0

    def take() -> bool:
        nonlocal served
        with lock:
            if max_invocations is not None and served >= max_invocations:
                return False
            served += 1
            return True

    def work() -> None:
        nonlocal status
        client = RuntimeClient(address)
        while take():
            try:
                answer(client, client.next(), handler, stream, concurrent=True)
            except RuntimeAPIError as error:  # the environment is ending: so must we
                print(f"adapters.runtime: stopping, {error}", file=sys.stderr)
                status = 1
                return

    workers = [
        threading.Thread(target=work, name=f"invocation-{number}", daemon=True)
        for number in range(concurrency)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return status


def snapshot_and_restore(client: RuntimeClient) -> int:
    """SnapStart's end of INIT, as the managed runtime runs it: the before-snapshot hooks
    (last registered first), the snapshot, then in the restored copy the after-restore
    hooks in order. Returns 0, or the exit status of a failed phase (64 before, 65 after,
    as awslambdaric exits)."""
    try:
        from snapshot_restore_py import get_after_restore, get_before_snapshot
    except ImportError:
        print("adapters.runtime: snapshot_restore_py is not importable", file=sys.stderr)
        before: list[Any] = []
        after: list[Any] = []
    else:
        before, after = get_before_snapshot(), get_after_restore()
    try:
        while before:
            func, args, kwargs = before.pop()
            func(*args, **kwargs)
        client.restore_next()
    except Exception as error:
        _fail_init(client, error_info(error, error_type="Runtime.BeforeSnapshotError"))
        return 64
    try:
        for func, args, kwargs in after:
            func(*args, **kwargs)
    except Exception as error:
        report = error_info(error, error_type="Runtime.AfterRestoreError")
        print(json.dumps(report), file=sys.stderr)
        try:
            client.fail_restore(report)
        except RuntimeAPIError as failure:
            print(f"adapters.runtime: {failure}", file=sys.stderr)
        return 65
    return 0


def _fail_init(client: RuntimeClient, report: dict[str, Any]) -> int:
    print(json.dumps(report), file=sys.stderr)
    try:
        client.fail_init(report)
    except RuntimeAPIError as error:
        print(f"adapters.runtime: {error}", file=sys.stderr)
    return 1


def answer(
    client: RuntimeClient,
    invocation: Invocation,
    handler: Callable[..., Any],
    stream: Callable[..., Any] | None,
    concurrent: bool = False,
) -> None:
    """Run one invocation and send its answer (buffered, streamed, or an error).

    `concurrent`: other invocations run at the same time in this process, so the trace
    id is only in the context (`context.trace_id`), not in `_X_AMZN_TRACE_ID`.
    """
    from . import _logging

    request_id = invocation.request_id
    _logging.set_request_id(request_id)
    if not concurrent:  # one process-wide variable cannot hold several invocations' ids
        if invocation.trace_id:
            os.environ["_X_AMZN_TRACE_ID"] = invocation.trace_id
        else:
            os.environ.pop("_X_AMZN_TRACE_ID", None)
    try:
        event = json.loads(invocation.event) if invocation.event else {}
        context = LambdaContext(invocation)
        result = (stream or handler)(event, context)
    except Exception as error:
        _report(client, error_info(error, request_id))
        return
    content_type = getattr(result, "content_type", None)
    if isinstance(content_type, str) and callable(getattr(result, "close", None)):
        try:
            client.stream(request_id, content_type, result, STREAM_LIMIT)
        finally:
            result.close()  # after the answer: work the app does after its body
        return
    try:
        payload = result_payload(result)
    except (TypeError, ValueError) as error:
        report = error_info(error, request_id, "Runtime.MarshalError")
        report["errorMessage"] = f"Unable to marshal response: {error}"
        _report(client, report)
        return
    client.respond(request_id, payload)


def _report(client: RuntimeClient, report: dict[str, Any]) -> None:
    """A failed invocation: logged as the managed runtime logs it, and posted."""
    print(json.dumps(report), file=sys.stderr)
    client.fail(str(report["requestId"]), report)
