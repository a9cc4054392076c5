"""Type aliases shared by the package.

Kept in one place so that every module speaks of apps, scopes and events the same way,
without importing any framework.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Iterable, MutableMapping
from types import TracebackType
from typing import Any, Literal, Union

Event = dict[str, Any]
"""A decoded Lambda event: whatever the runtime handed to the handler."""

LambdaContext = Any
"""The Lambda context object; typed loosely because every runtime brings its own class."""

ExcInfo = Union[  # noqa: UP007  (a runtime alias: `|` on tuple types needs 3.10 eval)
    tuple[type[BaseException], BaseException, TracebackType],
    tuple[None, None, None],
]
Environ = dict[str, Any]
WriteCallable = Callable[[bytes], object]
StartResponse = Callable[..., WriteCallable]
WSGIApp = Callable[[Environ, StartResponse], Iterable[bytes]]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

HeaderList = list[tuple[str, str]]
"""Header pairs. Request names are lowercase; response names are as the app wrote them."""

RequestHeaders = Collection[tuple[str, str]]
"""A request's header pairs, lowercase names, in order: a list, or the items view of the
event's own header map when that already is exactly this with ASCII values (no copy on
the hot path; a view also means no name repeats)."""

LifespanMode = Literal["auto", "on", "off"]
