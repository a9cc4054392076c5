"""SnapStart: what must be done before Lambda snapshots an initialised process, and after
every restore of that snapshot.

With SnapStart (python3.12 and later), Lambda runs INIT once when a version is published,
snapshots the memory, and starts every later execution environment from that snapshot.
Whatever INIT computed is then shared by every copy: the seed of `random`, open
connections, credentials fetched at start-up, the app's own caches of them. The runtime
offers two hooks for this (`snapshot_restore_py`, bundled with the managed runtime and
with awslambdaric): callables run before the snapshot, in reverse order of registration,
and after each restore, in order, within a 10 s budget.

`LambdaHandler` registers one pair of hooks per process when it is constructed under
SnapStart (`AWS_LAMBDA_INITIALIZATION_TYPE=snap-start`). Before the snapshot: the ASGI
lifespan startup (so the snapshot holds a started app), then the app's `before_snapshot`
callbacks. After a restore: `random` reseeded, the app's `after_restore` callbacks, the
ASGI lifespan's restore event for apps that asked for it, and one JSON log line with the
restore count. Outside SnapStart nothing is registered and the decorators only record.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, TypeVar

    F = TypeVar("F", bound=Callable[..., Any])

INITIALIZATION_TYPE_VARIABLE = "AWS_LAMBDA_INITIALIZATION_TYPE"
SNAPSTART = "snap-start"

_before: list[Callable[[], Any]] = []
_after: list[Callable[[], Any]] = []
_participants: list[Any] = []  # the handlers to prepare and to tell about a restore
_installed = False
restores = 0
"""How many times this process has been restored from a snapshot (0 or 1 on Lambda,
where each restore is a new execution environment; more when hooks are run by hand)."""


def before_snapshot(func: F) -> F:
    """Run `func` (a function or a coroutine function, no arguments) before the snapshot:
    close connections a restored copy could not use. Callbacks run in reverse order of
    registration, after the ASGI lifespan startup."""
    _before.append(func)
    return func


def after_restore(func: F) -> F:
    """Run `func` (a function or a coroutine function, no arguments) after every restore,
    before the first invocation: reconnect, refresh credentials, reseed generators of
    your own. Callbacks run in order of registration."""
    _after.append(func)
    return func


def enabled() -> bool:
    """True when this process is being initialised for a SnapStart snapshot."""
    return os.environ.get(INITIALIZATION_TYPE_VARIABLE) == SNAPSTART


def install(participant: Any) -> bool:
    """Take part in the runtime's snapshot and restore, if this process has them.

    `participant` has `before_snapshot()` and `after_restore()` (a `LambdaHandler`). Returns
    False, registering nothing, outside SnapStart or without `snapshot_restore_py`.
    """
    global _installed  # noqa: PLW0603 - one registration per process, by design
    if not enabled():
        return False
    try:
        import snapshot_restore_py
    except ImportError:
        from ._log import logger

        logger().warning(
            "SnapStart is on but snapshot_restore_py is not importable: no snapshot hooks "
            "(it comes with the managed runtime and with awslambdaric)"
        )
        return False
    if participant not in _participants:
        _participants.append(participant)
    if not _installed:
        _installed = True
        snapshot_restore_py.register_before_snapshot(run_before_snapshot)
        snapshot_restore_py.register_after_restore(run_after_restore)
    return True


def run_before_snapshot() -> None:
    """The registered before-snapshot hook: start the apps, then the app's callbacks.

    An exception propagates to the runtime, which reports `Runtime.BeforeSnapshotError`
    and fails the version's publication: a snapshot of an app that did not start is no use.
    """
    for participant in _participants:
        participant.before_snapshot()
    for func in reversed(_before):
        _call(func)


def run_after_restore() -> None:
    """The registered after-restore hook; an exception becomes `Runtime.AfterRestoreError`."""
    global restores  # noqa: PLW0603 - a process-wide count
    import random
    import time

    started = time.perf_counter()
    random.seed()  # from os.urandom: every restored copy draws its own numbers
    restores += 1
    for func in _after:
        _call(func)
    for participant in _participants:
        participant.after_restore()
    _log_restore(restores, time.perf_counter() - started)


def _call(func: Callable[[], Any]) -> None:
    result = func()
    if hasattr(result, "__await__"):
        from ._loop import process_loop

        async def wait() -> Any:
            return await result

        process_loop().run(wait())


def _log_restore(count: int, seconds: float) -> None:
    import json
    import sys

    line = {
        "level": "INFO",
        "message": "Restored from a SnapStart snapshot",
        "restores": count,
        "afterRestoreMs": round(seconds * 1000, 3),
    }
    sys.stdout.write(json.dumps(line) + "\n")
    sys.stdout.flush()
