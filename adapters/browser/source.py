"""A fetch `Request` as the neutral request, and the app's answer as a fetch `Response`.

`request_from_fetch` reads only the Request's public fields (method, url, headers,
arrayBuffer), so it works on a real JS Request in Pyodide and on a plain Python
stand-in in tests. `to_fetch_response` needs Pyodide: it builds the JS objects.
"""

from __future__ import annotations

import asyncio
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

from .._paths import encode_path
from .._types import HeaderList
from ..model import AsyncByteStream, Request, Response, SyncByteStream
from .cookies import CookieJar

NULL_BODY_STATUSES = frozenset({101, 103, 204, 205, 304})
"""Statuses the Fetch standard forbids a body for; `new Response(body, ...)` throws."""


async def request_from_fetch(fetch_request: Any, jar: CookieJar) -> Request:
    """The neutral request for a JS Request; the runner applies the mount point."""
    url = str(fetch_request.url)
    parts = urlsplit(url)
    method = str(fetch_request.method).upper()
    headers: HeaderList = []
    for entry in fetch_request.headers.entries():
        name, value = str(entry[0]).lower(), str(entry[1])
        if name != "cookie":  # never visible to a worker; the jar supplies it
            headers.append((name, value))
    cookie = jar.header_for(url)
    if cookie:
        headers.append(("cookie", cookie))
    body = b""
    if method not in ("GET", "HEAD"):
        buffer = await fetch_request.arrayBuffer()
        body = bytes(buffer.to_py()) if hasattr(buffer, "to_py") else bytes(buffer)
    if body and not any(name == "content-length" for name, _ in headers):
        # A JS Request never lists it; an app behind a server would see it.
        headers.append(("content-length", str(len(body))))
    raw_path = encode_path(parts.path or "/")
    scheme = parts.scheme or "https"
    port = parts.port or (443 if scheme == "https" else 80)
    return Request(
        method,  # method
        raw_path,  # raw_path
        parts.query.encode("latin-1", "replace"),  # query_string
        headers,  # headers
        body,  # body
        scheme,  # scheme
        (parts.hostname or "localhost", port),  # server
        None,  # client
        "",  # root_path
        fetch_request,  # event
    )


def reason_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def to_fetch_response(response: Response) -> Any:
    """A JS Response; a streamed body becomes a ReadableStream fed as the app sends."""
    from js import Headers, Object
    from js import Response as FetchResponse
    from pyodide.ffi import to_js

    headers = Headers.new()
    for name, value in response.headers:
        if name.lower() != "set-cookie":  # kept by the jar; the browser would ignore it
            headers.append(name, value)
    init = to_js(
        {
            "status": response.status,
            "statusText": reason_phrase(response.status),
            "headers": headers,
        },
        dict_converter=Object.fromEntries,
    )
    body = response.body
    if response.status in NULL_BODY_STATUSES:
        return FetchResponse.new(None, init)
    if type(body) is bytes:
        return FetchResponse.new(to_js(body), init)
    return FetchResponse.new(readable_stream(body), init)  # type: ignore[arg-type]


def readable_stream(body: SyncByteStream | AsyncByteStream) -> Any:
    """A ReadableStream pulling `body`; a reader that goes away closes it (stopping the app)."""
    from js import Error, Object, ReadableStream
    from pyodide.ffi import create_proxy, to_js

    reader = _BodyReader(body)
    next_chunk, close_body = reader.next_chunk, reader.close
    reading: list[asyncio.Future[bytes]] = []  # the chunk a pull is waiting for, if any
    released = False

    async def pull(controller: Any) -> None:
        waiting = asyncio.ensure_future(next_chunk())
        reading.append(waiting)
        try:
            chunk = await waiting
        except StopAsyncIteration:
            controller.close()
            await close_body()  # after the end: lets work after the response finish
            release()
        except asyncio.CancelledError:
            return  # by `cancel`, which closes the stream
        except Exception as error:
            # An Error, not a string: a rejection with a non-Error reason can't become a
            # Python exception where Pyodide code awaits the read (and crashes Node).
            controller.error(Error.new(str(error)))
            await close_body()
            release()
        else:
            controller.enqueue(to_js(chunk))
        finally:
            reading.remove(waiting)

    async def cancel(reason: Any) -> None:
        # The reader went away, maybe while a pull waits for the app's next chunk: stop
        # that wait first (the body can't be closed while it is being read), then the app.
        for waiting in list(reading):
            waiting.cancel()
        if reading:
            await asyncio.wait(list(reading))
        await close_body()
        release()

    pull_proxy, cancel_proxy = create_proxy(pull), create_proxy(cancel)

    def release() -> None:
        nonlocal released
        if not released:
            released = True
            pull_proxy.destroy()
            cancel_proxy.destroy()

    source = to_js(
        {"pull": pull_proxy, "cancel": cancel_proxy, "type": "bytes"},
        dict_converter=Object.fromEntries,
    )
    return ReadableStream.new(source)


class _BodyReader:
    """A response body, chunk by chunk, for the pulls of a ReadableStream."""

    def __init__(self, body: SyncByteStream | AsyncByteStream) -> None:
        self.body = body
        self.chunks: Any = body.__aiter__() if isinstance(body, AsyncByteStream) else iter(body)

    async def next_chunk(self) -> bytes:
        if isinstance(self.body, AsyncByteStream):
            return await self.chunks.__anext__()  # type: ignore[no-any-return]
        try:
            return next(self.chunks)  # type: ignore[no-any-return]
        except StopIteration:
            raise StopAsyncIteration from None

    async def close(self) -> None:
        if isinstance(self.body, AsyncByteStream):
            await self.body.aclose()
        else:
            self.body.close()
