"""A cookie jar for an app served from inside the browser.

Service workers never see the page's cookies, and the browser ignores Set-Cookie on a
response the worker made itself, so the adapter keeps the app's cookies here, applying
the storage and retrieval rules of RFC 6265 (sections 5.2 to 5.4): host-only and domain
cookies, default and matching paths, Expires and Max-Age (Max-Age wins), Secure, and
deletion by expiry. The jar serialises to JSON so the worker can keep it in IndexedDB
across restarts; session cookies are kept too, since a worker restart is not the end of a
browser session.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

MAX_COOKIES = 300
"""Browsers keep at least 50 per domain and 3000 in all (RFC 6265 section 6.1); one app
in one origin needs far fewer, and the oldest go first past this."""

_TRUSTWORTHY_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]", "::1"})


class Cookie:
    __slots__ = ("created", "domain", "expires", "host_only", "name", "path", "secure", "value")

    def __init__(
        self,
        name: str,
        value: str,
        *,
        domain: str,
        path: str,
        host_only: bool = True,
        expires: float | None = None,
        secure: bool = False,
        created: float = 0.0,
    ) -> None:
        self.name = name
        self.value = value
        self.domain = domain
        self.path = path
        self.host_only = host_only
        self.expires = expires
        self.secure = secure
        self.created = created

    def key(self) -> tuple[str, str, str]:
        return (self.name, self.domain, self.path)

    def as_dict(self) -> dict[str, object]:
        return {slot: getattr(self, slot) for slot in self.__slots__}

    def __repr__(self) -> str:
        return f"Cookie({self.name}={self.value!r}, domain={self.domain!r}, path={self.path!r})"


def default_path(request_path: str) -> str:
    """RFC 6265 section 5.1.4: the request path up to its last '/'."""
    if not request_path.startswith("/") or request_path.count("/") == 1:
        return "/"
    return request_path[: request_path.rindex("/")]


def path_matches(cookie_path: str, request_path: str) -> bool:
    if request_path == cookie_path:
        return True
    return request_path.startswith(cookie_path) and (
        cookie_path.endswith("/") or request_path[len(cookie_path)] == "/"
    )


def domain_matches(host: str, domain: str) -> bool:
    if host == domain:
        return True
    is_ip = host.replace(".", "").isdigit() or ":" in host
    return not is_ip and host.endswith("." + domain)


def is_secure(scheme: str, host: str) -> bool:
    """Secure cookies travel on https, and on the local hosts browsers also trust."""
    return scheme == "https" or host in _TRUSTWORTHY_HOSTS


def _parse_expires(value: str) -> float | None:
    try:
        return parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


class CookieJar:
    """Cookies set by the app, sent back with later requests it should see them on."""

    def __init__(self, cookies: Iterable[Cookie] = ()) -> None:
        self._cookies: dict[tuple[str, str, str], Cookie] = {c.key(): c for c in cookies}

    def __len__(self) -> int:
        return len(self._cookies)

    def __iter__(self) -> Iterator[Cookie]:
        return iter(list(self._cookies.values()))

    def set_cookie(self, header: str, url: str, now: float | None = None) -> bool:
        """Store one Set-Cookie header value received for `url`; True if the jar changed."""
        now = time.time() if now is None else now
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        pair, _, attributes = header.partition(";")
        name, equals, value = pair.partition("=")
        name, value = name.strip(), value.strip()
        if not equals or not name:
            return False
        domain, host_only, path = host, True, default_path(parts.path or "/")
        expires: float | None = None
        max_age: float | None = None
        secure = False
        for attribute in attributes.split(";"):
            key, _, attribute_value = attribute.partition("=")
            key, attribute_value = key.strip().lower(), attribute_value.strip()
            if key == "expires":
                expires = _parse_expires(attribute_value)
            elif key == "max-age" and attribute_value.lstrip("-").isdigit():
                max_age = now + int(attribute_value) if int(attribute_value) > 0 else float("-inf")
            elif key == "domain" and attribute_value:
                candidate = attribute_value.lstrip(".").lower()
                if not domain_matches(host, candidate):
                    return False  # a cookie for another site: refused (section 5.3 step 6)
                domain, host_only = candidate, False
            elif key == "path":
                path = (
                    attribute_value if attribute_value.startswith("/") else default_path(parts.path)
                )
            elif key == "secure":
                secure = True
        if secure and not is_secure(parts.scheme, host):
            return False
        expiry = max_age if max_age is not None else expires
        cookie = Cookie(
            name, value, domain=domain, path=path, host_only=host_only, expires=expiry,
            secure=secure, created=now,
        )  # fmt: skip
        old = self._cookies.pop(cookie.key(), None)
        if expiry is not None and expiry <= now:
            return old is not None  # a deletion
        if old is not None:
            cookie.created = old.created
        self._cookies[cookie.key()] = cookie
        self._evict(now)
        return True

    def update(self, headers: Iterable[str], url: str, now: float | None = None) -> bool:
        changed = False
        for header in headers:
            changed = self.set_cookie(header, url, now) or changed
        return changed

    def header_for(self, url: str, now: float | None = None) -> str | None:
        """The Cookie header a browser would send with a request for `url`, or None."""
        now = time.time() if now is None else now
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        secure = is_secure(parts.scheme, host)
        path = parts.path or "/"
        chosen = [
            cookie
            for cookie in self._cookies.values()
            if (cookie.expires is None or cookie.expires > now)
            and (host == cookie.domain if cookie.host_only else domain_matches(host, cookie.domain))
            and path_matches(cookie.path, path)
            and (secure or not cookie.secure)
        ]
        if not chosen:
            return None
        chosen.sort(key=lambda cookie: (-len(cookie.path), cookie.created))
        return "; ".join(f"{cookie.name}={cookie.value}" for cookie in chosen)

    def _evict(self, now: float) -> None:
        expired = [
            k for k, c in self._cookies.items() if c.expires is not None and c.expires <= now
        ]
        for key in expired:
            del self._cookies[key]
        if len(self._cookies) > MAX_COOKIES:
            oldest = sorted(self._cookies.values(), key=lambda cookie: cookie.created)
            for cookie in oldest[: len(self._cookies) - MAX_COOKIES]:
                del self._cookies[cookie.key()]

    def dumps(self) -> str:
        return json.dumps([cookie.as_dict() for cookie in self._cookies.values()])

    @classmethod
    def loads(cls, text: str | None, now: float | None = None) -> CookieJar:
        """A jar from `dumps()` output; unreadable input gives an empty jar, not an error."""
        now = time.time() if now is None else now
        try:
            items = json.loads(text) if text else []
            cookies = [Cookie(**item) for item in items if isinstance(item, dict)]
        except (ValueError, TypeError):
            return cls()
        return cls(c for c in cookies if c.expires is None or c.expires > now)
