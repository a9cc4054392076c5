"""Telling a WSGI app from an ASGI app without calling it.

An ASGI app is a coroutine function (or an object whose `__call__` is one) taking
(scope, receive, send); a WSGI app is a plain callable taking (environ, start_response).
When the callable hides its nature (a sync wrapper that returns a coroutine), the number
of required positional parameters decides; when even that is unclear, the caller must say.
Code objects are read directly: importing `inspect` would cost more than the rest of the
package on a cold start.
"""

from __future__ import annotations

import functools

TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import CodeType
    from typing import Literal

    Interface = Literal["wsgi", "asgi"]
else:
    Interface = str  # for modules that import the name; only annotations use it

_CO_COROUTINE = 0x80
_CO_VARARGS = 0x04


def detect_interface(app: object) -> Interface:
    if not callable(app):
        raise TypeError(f"the app must be a WSGI or ASGI callable, got {type(app).__name__}")
    target: object = app
    bound = 0
    while isinstance(target, functools.partial):
        bound += len(target.args)
        target = target.func
    if not hasattr(target, "__code__") and not hasattr(target, "__func__"):
        target = type(target).__call__
        bound += 1  # self
    if hasattr(target, "__func__"):  # a bound method
        target = target.__func__
        bound += 1
    code: CodeType | None = getattr(target, "__code__", None)
    if code is not None:
        marked = getattr(target, "_is_coroutine_marker", None) is not None
        if code.co_flags & _CO_COROUTINE or marked:
            return "asgi"
        defaults = getattr(target, "__defaults__", None) or ()
        required = code.co_argcount - len(defaults) - bound
        if not code.co_flags & _CO_VARARGS:
            if required == 3:
                return "asgi"
            if required == 2:
                return "wsgi"
    raise TypeError(
        f"cannot tell whether {app!r} is a WSGI or an ASGI app; "
        "pass interface='wsgi' or interface='asgi'"
    )
