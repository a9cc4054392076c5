"""`AppRunner`: one WSGI or ASGI app, answering neutral requests for any driver.

Every driver (the Lambda handler, the streaming Lambda runtime, the browser) holds one
runner and calls `await runner.respond(request)`. The runner owns what must be the same
for all of them: which interface runs the app, ASGI lifespan once per process (its state
reaching every request), and the response policy (`adapters._policy`). A driver owns its
transport: where requests come from, the event loop, signals, and how the body leaves.

`respond(request)` answers with a complete body; `respond(request, stream=True)` returns
as soon as the status and headers are known, with the body as a stream when the app is
still producing it. For a WSGI app the coroutine never suspends, so a driver without an
event loop completes it with a single `send(None)`, or calls `respond_sync`: no asyncio on
the WSGI path.
"""

from __future__ import annotations

from ._detect import detect_interface
from ._log import logger
from ._paths import normalise_prefix
from ._policy import check, checked, mount
from .model import plain_response

TYPE_CHECKING = False
if TYPE_CHECKING:
    import asyncio
    from typing import Any

    from ._detect import Interface
    from ._types import LifespanMode
    from .asgi import ASGIInterface
    from .lifespan import Lifespan
    from .model import Request, Response
    from .wsgi import EnvironHook, WSGIInterface


DEFAULT_STARTUP_TIMEOUT = 30.0
"""Seconds an ASGI lifespan startup may take: generous for connection pools and model
loading, short of the 15-minute Lambda maximum and of a browser user's patience."""


class AppRunner:
    """`AppRunner(app)`: the app, its interface, its lifespan and the response policy.

    - `interface`: "wsgi" or "asgi" when detection cannot tell.
    - `lifespan`: "auto" (default: run it if the app supports it), "on" (require it: an
      error for a WSGI app, which has none), "off".
    - `environ_hook` (WSGI only): called as `hook(environ, request)` before each call.
    - `base_path`: the URL prefix clients use in front of the app; it becomes the mount
      point (SCRIPT_NAME / root_path) whether or not the front door kept it in the path.
    - `root_path_in_path` (ASGI only): whether the scope's `path` starts with `root_path`
      (the ASGI spec; True) or holds only the part below it (False: for frameworks that
      route on `path` alone). None (default): False for Falcon apps, True otherwise.
    - `startup_timeout` (ASGI only): seconds the lifespan startup may take before it is
      abandoned with a logged error (and tried again on the next request); None waits
      for ever. A startup that hangs on an unreachable database otherwise hangs every
      request, silently.
    """

    __slots__ = (
        "_interface",
        "_lifespan",
        "_ready",
        "_starting",
        "_wsgi",
        "app",
        "base_path",
        "interface",
        "lifespan_mode",
        "startup_timeout",
    )

    def __init__(
        self,
        app: Any,
        *,
        interface: Interface | None = None,
        lifespan: LifespanMode | None = None,
        environ_hook: EnvironHook | None = None,
        base_path: str | None = None,
        root_path_in_path: bool | None = None,
        startup_timeout: float | None = DEFAULT_STARTUP_TIMEOUT,
    ) -> None:
        if startup_timeout is not None and not startup_timeout > 0:
            raise ValueError(
                f"startup_timeout must be a positive number or None, not {startup_timeout!r}"
            )
        self.startup_timeout = startup_timeout
        if interface is not None and interface not in ("wsgi", "asgi"):
            raise ValueError(f"interface must be 'wsgi' or 'asgi', not {interface!r}")
        if lifespan is not None:
            from .lifespan import check_lifespan_mode

            check_lifespan_mode(lifespan)
        kind: Interface = interface or detect_interface(app)
        self.app = app
        self.interface: Interface = kind
        self.base_path = normalise_prefix(base_path)
        self.lifespan_mode: LifespanMode = lifespan or "auto"
        self._lifespan: Lifespan | None = None
        self._starting: asyncio.Future[Lifespan] | None = None
        self._interface: WSGIInterface | ASGIInterface
        self._wsgi: WSGIInterface | None
        if kind == "wsgi":
            if lifespan == "on":  # "auto" and "off" hold trivially: WSGI has no lifespan
                raise TypeError("lifespan='on' needs an ASGI app; this is a WSGI app")
            if root_path_in_path is not None:  # PATH_INFO never holds SCRIPT_NAME
                raise TypeError("root_path_in_path applies to ASGI apps only; this is a WSGI app")
            from .wsgi import WSGIInterface

            self._interface = self._wsgi = WSGIInterface(app, environ_hook)
            self._ready = True
        else:
            if environ_hook is not None:
                raise TypeError("environ_hook applies to WSGI apps only; this is an ASGI app")
            from .asgi import ASGIInterface

            self._interface = ASGIInterface(app, root_path_in_path)
            self._wsgi = None
            self._ready = False

    @property
    def started(self) -> bool:
        """True once the app can take requests (a WSGI app always can)."""
        return self._ready

    @property
    def state(self) -> dict[str, Any]:
        """The lifespan state the app's startup filled in ({} without one)."""
        return {} if self._lifespan is None else self._lifespan.state

    @property
    def lifespan_supported(self) -> bool:
        """True when a lifespan startup completed, so a shutdown is owed."""
        return self._lifespan is not None and self._lifespan.supported

    async def startup(self) -> None:
        """Run the ASGI lifespan startup once; concurrent callers share one attempt.

        Raises `LifespanError` when it fails; the next call tries again, since the cause
        (a database not yet reachable) is often passing.
        """
        if self._ready:
            return
        import asyncio

        from .lifespan import Lifespan

        if self._starting is None:

            async def start() -> Lifespan:
                lifespan = Lifespan(self.app, self.lifespan_mode)
                try:
                    await lifespan.startup()
                except asyncio.CancelledError:
                    lifespan.abandon()
                    raise
                return lifespan

            self._starting = asyncio.ensure_future(start())
        starting = self._starting
        try:
            lifespan = await asyncio.wait_for(asyncio.shield(starting), self.startup_timeout)
        except asyncio.TimeoutError:
            if self._starting is starting:
                self._starting = None
            starting.cancel()
            from .errors import LifespanError

            raise LifespanError(
                f"ASGI lifespan startup did not complete within {self.startup_timeout:g} s "
                "(is it waiting for a service it cannot reach?); abandoned"
            ) from None
        except BaseException:
            if self._starting is not None and self._starting.done():
                self._starting = None
            raise
        if not self._ready:
            self._lifespan = lifespan
            self._interface.state = lifespan.state  # type: ignore[union-attr]
            self._ready = True

    async def restored(self) -> None:
        """Pass a SnapStart restore to the app's lifespan, if it asked for the event."""
        if self._lifespan is not None:
            await self._lifespan.restore()

    async def shutdown(self) -> None:
        """Run the lifespan shutdown, once; raises `LifespanError` when the app reports failure."""
        lifespan, self._lifespan = self._lifespan, None
        self._ready = self.interface == "wsgi"
        self._starting = None
        if lifespan is not None:
            await lifespan.shutdown()

    async def respond(self, request: Request, *, stream: bool = False) -> Response:
        """The app's response to `request`, policy applied; never raises for the app's faults."""
        if self.base_path:
            mount(request, self.base_path)
        if not self._ready:
            from .errors import LifespanError

            try:
                await self.startup()
            except LifespanError:
                logger().exception("Answering with a 500; startup will be tried again")
                return plain_response(500, "Internal Server Error")
        response = await self._interface.respond(request, stream)
        return await checked(request, response)

    def respond_sync(self, request: Request) -> Response:
        """`respond(request)` for a WSGI app, without the coroutine around it.

        The same answer, policy included: what a driver with no event loop calls on every
        invocation (a coroutine costs thousands of instructions that do nothing here).
        """
        wsgi = self._wsgi
        if wsgi is None:
            raise TypeError("respond_sync answers for WSGI apps only; await respond() instead")
        if self.base_path:
            mount(request, self.base_path)
        return check(request, wsgi.answer(request))
