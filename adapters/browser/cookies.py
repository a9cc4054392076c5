"""A cookie jar for an app served from inside the browser.

Service workers never see the page's cookies, and the browser ignores Set-Cookie on a
response the worker made itself, so the adapter keeps the app's cookies here, applying
the storage and retrieval rules of RFC 6265 (sections 5.2 to 5.4) and of its revision
(6265bis) where browsers follow it: host-only and domain cookies, default and matching
paths, Expires and Max-Age (Max-Age wins), Secure, SameSite, HttpOnly, deletion by
expiry, and refusal of a Domain that is a public suffix or an IP address it does not
equal. The jar serialises to JSON so the worker can keep it in IndexedDB across
restarts; session cookies are kept too, since a worker restart is not the end of a
browser session.

SameSite needs to know how a request relates to the app's site; a service worker sees
less than the browser's network stack does, so `fetch_context` works out what it can
from the fetch event (see its docstring) and the jar applies the rules to that.

HttpOnly has no equal here: every store a worker can write (IndexedDB, Cache Storage,
OPFS) is open to scripts of the same origin, so a persisted HttpOnly cookie is readable
by the app's own page scripts. The jar never hands cookies to page scripts itself, and
`dumps(http_only=False)` keeps HttpOnly cookies out of what is persisted, for apps that
prefer losing their sessions when the browser stops the worker over that exposure.
"""

from __future__ import annotations

import ipaddress
import json
import math
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

from .._log import logger

MAX_COOKIES = 300
"""Browsers keep at least 50 per domain and 3000 in all (RFC 6265 section 6.1); one app
in one origin needs far fewer, and the oldest go first past this."""

_TRUSTWORTHY_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]", "::1"})
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
_SAME_SITE_VALUES = frozenset({"strict", "lax", "none"})

MULTI_LABEL_SUFFIXES = frozenset(
    {
        # Second levels of country domains that are registries of their own.
        "co.uk", "org.uk", "me.uk", "ac.uk", "gov.uk", "net.uk", "ltd.uk", "plc.uk",
        "com.au", "net.au", "org.au", "edu.au", "gov.au", "co.nz", "net.nz", "org.nz",
        "co.jp", "ne.jp", "or.jp", "ac.jp", "go.jp", "co.kr", "or.kr",
        "com.br", "net.br", "org.br", "com.cn", "net.cn", "org.cn", "gov.cn",
        "co.in", "net.in", "org.in", "co.za", "org.za", "com.mx", "com.ar", "com.tr",
        "com.tw", "com.hk", "com.sg", "com.my", "co.id", "co.il", "co.th",
        # Hosting platforms that give each user a subdomain (the places a static
        # bundle like this one is likely to be published).
        "github.io", "gitlab.io", "codeberg.page", "pages.dev", "workers.dev",
        "netlify.app", "vercel.app", "web.app", "firebaseapp.com", "appspot.com",
        "herokuapp.com", "onrender.com", "fly.dev", "glitch.me", "surge.sh",
        "readthedocs.io", "blogspot.com", "azurewebsites.net", "azurestaticapps.net",
        "cloudfront.net", "s3.amazonaws.com", "ngrok.io", "ngrok-free.app",
    }
)  # fmt: skip
"""Public suffixes of more than one label, for the refusal of `Domain=` (browsers use
the whole Public Suffix List, ~10,000 rules and 200 kB; a bundle should not carry it for
the few cookies one app sets). Every single-label Domain counts as a public suffix too.
A suffix missing here lets an app on `user.example-host.com` set a cookie for
`example-host.com`, which only this jar would ever send, and only to this app."""


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def is_public_suffix(domain: str) -> bool:
    """True for `com`, `co.uk`, `github.io`: a Domain no single site may claim."""
    domain = domain.strip(".").lower()
    return "." not in domain or domain in MULTI_LABEL_SUFFIXES


def registrable_domain(host: str) -> str:
    """The public suffix plus one label (`app.example.co.uk` -> `example.co.uk`); an IP
    address, a single label or a bare suffix is its own site."""
    host = host.strip(".").lower()
    if _is_ip(host) or is_public_suffix(host):
        return host
    labels = host.split(".")
    for index in range(1, len(labels) - 1):
        if ".".join(labels[index:]) in MULTI_LABEL_SUFFIXES:
            return ".".join(labels[index - 1 :])
    return ".".join(labels[-2:])


def site_of(url: str) -> tuple[str, str] | None:
    """The schemeful site (scheme, registrable domain) browsers compare for SameSite;
    None for what has no site (an empty referrer, `about:client`, an opaque origin)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return None
    if not host or parts.scheme not in ("http", "https", "ws", "wss"):
        return None
    scheme = {"ws": "http", "wss": "https"}.get(parts.scheme, parts.scheme)
    return scheme, registrable_domain(host)


@dataclass(frozen=True)
class SiteContext:
    """How one request relates to the app's site: which SameSite cookies it may carry
    and which a response to it may set."""

    same_site: bool = True
    top_level_navigation: bool = False
    method: str = "GET"

    @property
    def lax_allowed(self) -> bool:
        """A cross-site request still carries Lax cookies when it is a top-level
        navigation with a safe method (a link followed, not a form posted)."""
        return self.same_site or (self.top_level_navigation and self.method in _SAFE_METHODS)


SAME_SITE = SiteContext()


@dataclass(frozen=True)
class Initiator:
    """The window that started a navigation, as the worker's `clients.get(clientId)`
    found it. The Clients API only ever returns clients of the worker's own origin, so
    a found client is same-origin; `found=False` means the event named a client the
    worker cannot see: a page of another origin."""

    found: bool
    url: str = ""
    frame_type: str = ""
    ancestor_origins: tuple[str, ...] | None = None


def fetch_context(
    url: str,
    *,
    method: str = "GET",
    mode: str = "",
    destination: str = "",
    referrer: str = "",
    origin: str | None = None,
    sec_fetch_site: str | None = None,
    initiator: Initiator | None = None,
) -> SiteContext:
    """The `SiteContext` of a fetch event's request, from what a service worker sees.

    A browser decides SameSite from the request's initiator and its frame ancestors; a
    worker gets only part of that (checked in Chromium 156, see tests/chromium):

    - `Sec-Fetch-Site` would say it all, but the browser adds it after the worker, so a
      worker never sees it; it is used should a browser ever show it.
    - Subresource requests (fetch, images, scripts) reach a worker only from pages it
      controls, and it controls only pages of its own origin: they are same-site. (A
      page of ours framed by another site runs in a partitioned storage, with a worker
      and a jar of its own, in Chromium, Firefox and Safari.)
    - Navigations come from anywhere. Their initiator is known when `clients.get()`
      finds it (then same-origin; its frame ancestors are checked where the browser
      lists them); else the `Origin` header, which Chromium shows on POST navigations;
      else the referrer (cross-origin referrers are cut to the origin, which is all the
      site needs); an initiator named but not found is another origin.
    - Nothing at all (no client, no Origin, no referrer) is what a typed URL or a
      bookmark looks like, which browsers treat as same-site; but a link with
      rel=noreferrer from another site can look the same in a browser that names no
      client for navigations, so only a safe method is given the benefit of the doubt.
    """
    method = method.upper()
    top_level = mode == "navigate" and destination in ("document", "")
    context = SiteContext(same_site=True, top_level_navigation=top_level, method=method)
    target = site_of(url)
    fetch_site = (sec_fetch_site or "").lower()
    if fetch_site in ("same-origin", "same-site", "none"):
        return context
    if fetch_site == "cross-site":
        return SiteContext(False, top_level, method)

    def same_as(other: str) -> bool:
        return target is not None and site_of(other) == target

    if mode != "navigate":
        if origin and not same_as(origin):  # an Origin of another site (or "null")
            return SiteContext(False, top_level, method)
        return context
    if initiator is not None and initiator.found:
        ancestors = initiator.ancestor_origins or ()
        same = same_as(initiator.url) and all(same_as(a) for a in ancestors)
        return SiteContext(same, top_level, method)
    if origin:
        return SiteContext(same_as(origin), top_level, method)
    if referrer and referrer != "about:client":
        return SiteContext(same_as(referrer), top_level, method)
    if initiator is not None:
        return SiteContext(False, top_level, method)
    return SiteContext(method in _SAFE_METHODS, top_level, method)


class Cookie:
    __slots__ = (
        "created", "domain", "expires", "host_only", "http_only", "name", "path",
        "same_site", "secure", "value",
    )  # fmt: skip

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
        same_site: str = "",
        http_only: bool = False,
    ) -> None:
        self.name = name
        self.value = value
        self.domain = domain
        self.path = path
        self.host_only = host_only
        self.expires = expires
        self.secure = secure
        self.created = created
        self.same_site = same_site  # "strict", "lax", "none", or "" (absent: Lax)
        self.http_only = http_only

    def key(self) -> tuple[str, str, str]:
        return (self.name, self.domain, self.path)

    def as_dict(self) -> dict[str, object]:
        return {slot: getattr(self, slot) for slot in self.__slots__}

    def sent_in(self, context: SiteContext) -> bool:
        """SameSite at retrieval: Strict only same-site, Lax (and no SameSite, as
        Chromium defaults it) also on cross-site top-level safe navigations."""
        if context.same_site or self.same_site == "none":
            return True
        return self.same_site != "strict" and context.lax_allowed

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
    return not _is_ip(host) and host.endswith("." + domain)


def is_secure(scheme: str, host: str) -> bool:
    """Secure cookies travel on https, and on the local hosts browsers also trust."""
    return scheme == "https" or host in _TRUSTWORTHY_HOSTS


def _parse_expires(value: str) -> float | None:
    try:
        return parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _refused(header: str, url: str, reason: str) -> bool:
    """A browser drops such a cookie and says why in DevTools; this is the console."""
    name = header.partition("=")[0].strip()[:64]
    logger().warning("Set-Cookie %r from %s refused: %s", name, url, reason)
    return False


class CookieJar:
    """Cookies set by the app, sent back with later requests it should see them on."""

    def __init__(self, cookies: Iterable[Cookie] = ()) -> None:
        self._cookies: dict[tuple[str, str, str], Cookie] = {c.key(): c for c in cookies}

    def __len__(self) -> int:
        return len(self._cookies)

    def __iter__(self) -> Iterator[Cookie]:
        return iter(list(self._cookies.values()))

    def in_context(self, context: SiteContext) -> CookieJar:
        """This jar as one request sees it: the same cookies, with `context` applied by
        `header_for` and `set_cookie` when they are given none (request code written
        before SameSite asks the jar without one)."""
        return _JarInContext(self, context)

    def set_cookie(
        self, header: str, url: str, now: float | None = None, context: SiteContext | None = None
    ) -> bool:
        """Store one Set-Cookie header value received for `url`; True if the jar changed."""
        now = time.time() if now is None else now
        context = SAME_SITE if context is None else context
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        pair, _, attributes = header.partition(";")
        name, equals, value = pair.partition("=")
        name, value = name.strip(), value.strip()
        if not equals or not name:
            return False
        path = default_path(parts.path or "/")
        domain_attribute = ""
        expires: float | None = None
        max_age: float | None = None
        secure = http_only = False
        same_site = ""
        for attribute in attributes.split(";"):
            key, _, attribute_value = attribute.partition("=")
            key, attribute_value = key.strip().lower(), attribute_value.strip()
            if key == "expires":
                expires = _parse_expires(attribute_value)
            elif key == "max-age" and attribute_value.lstrip("-").isdigit():
                max_age = now + int(attribute_value) if int(attribute_value) > 0 else float("-inf")
            elif key == "domain" and attribute_value:
                domain_attribute = attribute_value.lstrip(".").lower()  # the last one wins
            elif key == "path":
                path = (
                    attribute_value if attribute_value.startswith("/") else default_path(parts.path)
                )
            elif key == "secure":
                secure = True
            elif key == "httponly":
                http_only = True
            elif key == "samesite":
                lowered = attribute_value.lower()  # an unknown value counts as absent
                same_site = lowered if lowered in _SAME_SITE_VALUES else ""
        domain, host_only = host, True
        if domain_attribute and domain_attribute != host:
            if _is_ip(host):
                return _refused(header, url, f"Domain={domain_attribute} on an IP address")
            if is_public_suffix(domain_attribute):
                return _refused(header, url, f"Domain={domain_attribute} is a public suffix")
            if not domain_matches(host, domain_attribute):
                return _refused(header, url, f"Domain={domain_attribute} is another site")
            domain, host_only = domain_attribute, False
        if secure and not is_secure(parts.scheme, host):
            return _refused(header, url, "Secure on an insecure origin")
        if same_site == "none" and not secure:
            return _refused(header, url, "SameSite=None without Secure")
        if same_site != "none" and not (context.same_site or context.top_level_navigation):
            return _refused(header, url, "SameSite=Lax/Strict set by a cross-site subresource")
        expiry = max_age if max_age is not None else expires
        cookie = Cookie(
            name, value, domain=domain, path=path, host_only=host_only, expires=expiry,
            secure=secure, created=now, same_site=same_site, http_only=http_only,
        )  # fmt: skip
        old = self._cookies.pop(cookie.key(), None)
        if expiry is not None and expiry <= now:
            return old is not None  # a deletion
        if old is not None:
            cookie.created = old.created
        self._cookies[cookie.key()] = cookie
        self._evict(now)
        return True

    def update(
        self,
        headers: Iterable[str],
        url: str,
        now: float | None = None,
        context: SiteContext | None = None,
    ) -> bool:
        changed = False
        for header in headers:
            changed = self.set_cookie(header, url, now, context) or changed
        return changed

    def header_for(
        self, url: str, now: float | None = None, context: SiteContext | None = None
    ) -> str | None:
        """The Cookie header a browser would send with a request for `url`, or None."""
        now = time.time() if now is None else now
        context = SAME_SITE if context is None else context
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
            and cookie.sent_in(context)
        ]
        if not chosen:
            return None
        chosen.sort(key=lambda cookie: (-len(cookie.path), cookie.created))
        return "; ".join(f"{cookie.name}={cookie.value}" for cookie in chosen)

    def visible(self) -> dict[tuple[str, str, str], Cookie]:
        """The cookies page scripts see in `document.cookie` (the ones without HttpOnly)."""
        return {key: c for key, c in self._cookies.items() if not c.http_only}

    def adopt_visible(self, records: object, url: str, now: float | None = None) -> bool:
        """Take the browser's own cookies for `url` as the truth for cookies without
        HttpOnly: page scripts set, change and delete them with `document.cookie`, and
        the worker mirrors the app's into the browser (`mirror_changes`). `records` is
        what `cookieStore.getAll(url)` gave, as JSON-ready dicts; True if the jar changed.
        """
        if not isinstance(records, list):
            return False
        now = time.time() if now is None else now
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        path = parts.path or "/"
        seen: set[tuple[str, str, str]] = set()
        changed = False
        for record in records:
            if not isinstance(record, Mapping):
                continue
            name, value = record.get("name"), record.get("value")
            if not isinstance(name, str) or not name or not isinstance(value, str):
                continue
            domain_value = record.get("domain")
            domain = domain_value.lstrip(".").lower() if isinstance(domain_value, str) else host
            cookie_path = record.get("path")
            if not isinstance(cookie_path, str) or not cookie_path.startswith("/"):
                cookie_path = "/"
            same_site = record.get("sameSite")
            expires = record.get("expires")
            milliseconds = isinstance(expires, (int, float)) and not isinstance(expires, bool)
            cookie = Cookie(
                name, value, domain=domain, path=cookie_path,
                host_only=not isinstance(domain_value, str),
                expires=expires / 1000 if milliseconds else None,  # type: ignore[operator]
                secure=record.get("secure") is True, created=now,
                same_site=same_site if same_site in _SAME_SITE_VALUES else "",
            )  # fmt: skip
            seen.add(cookie.key())
            old = self._cookies.get(cookie.key())
            if old is not None and old.http_only:
                continue  # an HttpOnly one of the app's: the page can't have written it
            if old is None or old.value != cookie.value:
                if old is not None:
                    cookie.created = old.created
                self._cookies[cookie.key()] = cookie
                changed = True
        for key, cookie in list(self._cookies.items()):
            applies = (
                host == cookie.domain if cookie.host_only else domain_matches(host, cookie.domain)
            ) and path_matches(cookie.path, path)
            if not cookie.http_only and applies and key not in seen:
                del self._cookies[key]  # deleted by a page script (or it expired there)
                changed = True
        return changed

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

    def dumps(self, http_only: bool = True) -> str:
        """The jar as JSON; `http_only=False` leaves HttpOnly cookies out (see the module
        docstring for why a browser offers no store that would hide them)."""
        return json.dumps(
            [c.as_dict() for c in self._cookies.values() if http_only or not c.http_only]
        )

    @classmethod
    def loads(cls, text: object, now: float | None = None) -> CookieJar:
        """A jar from `dumps()` output. Anything else (not JSON, a truncated save, a
        record of the wrong shape) gives an empty jar and one warning: a half-trusted
        jar could fail every later request, and losing cookies only logs the user out."""
        now = time.time() if now is None else now
        if text is None or text == "":
            return cls()
        try:
            if not isinstance(text, str):
                raise ValueError(f"a {type(text).__name__}, not JSON text")
            items = json.loads(text)
            if not isinstance(items, list):
                raise ValueError(f"a JSON {type(items).__name__}, not a list")
            cookies = [_cookie_from_record(item) for item in items]
        except (ValueError, TypeError, RecursionError) as error:
            logger().warning("The saved cookie jar is unreadable and was discarded: %s", error)
            return cls()
        return cls(c for c in cookies if c.expires is None or c.expires > now)


class _JarInContext(CookieJar):
    """`CookieJar.in_context`: shares the jar's cookies, defaults the context."""

    def __init__(self, jar: CookieJar, context: SiteContext) -> None:
        self._cookies = jar._cookies
        self._context = context

    def set_cookie(
        self, header: str, url: str, now: float | None = None, context: SiteContext | None = None
    ) -> bool:
        return super().set_cookie(header, url, now, context or self._context)

    def header_for(
        self, url: str, now: float | None = None, context: SiteContext | None = None
    ) -> str | None:
        return super().header_for(url, now, context or self._context)


_TEXT_FIELDS = ("name", "value", "domain", "path")
_FLAG_FIELDS = ("host_only", "secure", "http_only")


def _number(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{value!r} is not a finite number")
    return float(value)


def _cookie_from_record(item: object) -> Cookie:
    """One saved record, checked field by field (old saves lack same_site/http_only)."""
    if not isinstance(item, Mapping):
        raise ValueError(f"a record is {type(item).__name__}, not an object")
    record: Mapping[str, Any] = item
    for field in _TEXT_FIELDS:
        if not isinstance(record.get(field), str):
            raise ValueError(f"a record's {field} is {record.get(field)!r}")
    for field in _FLAG_FIELDS:
        if not isinstance(record.get(field, False), bool):
            raise ValueError(f"a record's {field} is {record.get(field)!r}")
    same_site = record.get("same_site", "")
    if same_site not in ("", *_SAME_SITE_VALUES):
        raise ValueError(f"a record's same_site is {same_site!r}")
    if not record["name"] or not record["path"].startswith("/"):
        raise ValueError(f"a record has the name {record['name']!r}, path {record['path']!r}")
    expires = record.get("expires")
    return Cookie(
        record["name"],
        record["value"],
        domain=record["domain"],
        path=record["path"],
        host_only=record.get("host_only", True),
        expires=None if expires is None else _number(expires),
        secure=record.get("secure", False),
        created=_number(record.get("created", 0.0)),
        same_site=same_site,
        http_only=record.get("http_only", False),
    )
