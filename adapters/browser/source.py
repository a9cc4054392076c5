"""A fetch `Request` as the neutral request, and the app's answer as a fetch `Response`.

`request_from_fetch` reads only the Request's public fields (method, url, headers,
arrayBuffer), so it works on a real JS Request in Pyodide and on a plain Python
stand-in in tests. `to_fetch_response` needs Pyodide: it builds the JS objects.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

from .._types import HeaderList
from ..model import Request, Response
from ..paths import encode_path, starts_with_segment
from .cookies import CookieJar

NULL_BODY_STATUSES = frozenset({101, 103, 204, 205, 304})
"""Statuses the Fetch standard forbids a body for; `new Response(body, ...)` throws."""


async def request_from_fetch(fetch_request: Any, base_path: str, jar: CookieJar) -> Request:
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
    root_path = base_path if base_path and starts_with_segment(raw_path, base_path.encode()) else ""
    scheme = parts.scheme or "https"
    port = parts.port or (443 if scheme == "https" else 80)
    return Request(
        method=method,
        raw_path=raw_path,
        query_string=parts.query.encode("latin-1", "replace"),
        headers=headers,
        body=body,
        scheme=scheme,
        server=(parts.hostname or "localhost", port),
        client=None,
        root_path=root_path,
        event=fetch_request,
    )


def reason_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def to_fetch_response(response: Response, chunks: AsyncGenerator[bytes, None] | None) -> Any:
    """A JS Response; with `chunks`, its body is a ReadableStream fed as the app sends."""
    from js import Error, Headers, Object, ReadableStream
    from js import Response as FetchResponse
    from pyodide.ffi import create_proxy, to_js

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
    if response.status in NULL_BODY_STATUSES:
        return FetchResponse.new(None, init)
    if chunks is None:
        return FetchResponse.new(to_js(response.body), init)

    reading: list[asyncio.Future[bytes]] = []  # the chunk a pull is waiting for, if any
    released = False

    async def pull(controller: Any) -> None:
        next_chunk = asyncio.ensure_future(anext(chunks))
        reading.append(next_chunk)
        try:
            chunk = await next_chunk
        except StopAsyncIteration:
            controller.close()
            release()
        except asyncio.CancelledError:
            return  # by `cancel`, which closes the stream
        except Exception as error:
            # An Error, not a string: a rejection with a non-Error reason can't become a
            # Python exception where Pyodide code awaits the read (and crashes Node).
            controller.error(Error.new(str(error)))
            release()
        else:
            controller.enqueue(to_js(chunk))
        finally:
            reading.remove(next_chunk)

    async def cancel(reason: Any) -> None:
        # The reader went away, maybe while a pull waits for the app's next chunk: stop
        # that wait first (the generator can't be closed while it runs), then the app.
        for waiting in list(reading):
            waiting.cancel()
        if reading:
            await asyncio.wait(list(reading))
        await chunks.aclose()
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
    return FetchResponse.new(ReadableStream.new(source), init)
