"""The browser-side cookie jar, held to RFC 6265's storage and retrieval rules."""

from __future__ import annotations

import pytest

from adapters.browser.cookies import CookieJar, default_path

NOW = 1_800_000_000.0
SITE = "http://127.0.0.1:8000"


def jar_with(*headers: str, url: str = SITE + "/app/page") -> CookieJar:
    jar = CookieJar()
    jar.update(headers, url, now=NOW)
    return jar


def test_session_cookie_is_sent_back() -> None:
    jar = jar_with("session=abc; Path=/; HttpOnly; SameSite=Lax")
    assert jar.header_for(SITE + "/anything", now=NOW) == "session=abc"


@pytest.mark.parametrize(
    ("request_path", "expected"),
    [("/", "/"), ("/app", "/"), ("/app/page", "/app"), ("/a/b/c", "/a/b"), ("", "/")],
)
def test_default_path(request_path: str, expected: str) -> None:
    assert default_path(request_path) == expected


def test_path_matching_uses_whole_segments() -> None:
    jar = jar_with("a=1; Path=/app")
    assert jar.header_for(SITE + "/app", now=NOW) == "a=1"
    assert jar.header_for(SITE + "/app/x", now=NOW) == "a=1"
    assert jar.header_for(SITE + "/apple", now=NOW) is None
    assert jar.header_for(SITE + "/", now=NOW) is None


def test_default_path_comes_from_the_request() -> None:
    jar = jar_with("a=1", url=SITE + "/app/form")
    assert jar.header_for(SITE + "/app/other", now=NOW) == "a=1"
    assert jar.header_for(SITE + "/elsewhere", now=NOW) is None


def test_longer_paths_first_then_older() -> None:
    jar = CookieJar()
    jar.set_cookie("b=root; Path=/", SITE + "/", now=NOW)
    jar.set_cookie("a=deep; Path=/app", SITE + "/", now=NOW + 1)
    jar.set_cookie("c=root2; Path=/", SITE + "/", now=NOW + 2)
    assert jar.header_for(SITE + "/app/x", now=NOW + 3) == "a=deep; b=root; c=root2"


def test_max_age_and_expires() -> None:
    jar = jar_with(
        "short=1; Max-Age=60",
        "dated=1; Expires=Thu, 21 Oct 2027 07:28:00 GMT",
        "both=1; Expires=Wed, 21 Oct 2015 07:28:00 GMT; Max-Age=600",
    )
    assert jar.header_for(SITE + "/app", now=NOW) == "short=1; dated=1; both=1"
    assert jar.header_for(SITE + "/app", now=NOW + 61) == "dated=1; both=1"
    assert jar.header_for(SITE + "/app", now=NOW + 601) == "dated=1"
    later = 1_824_600_000.0  # 25 Oct 2027
    assert jar.header_for(SITE + "/app", now=later) is None


@pytest.mark.parametrize(
    "deletion",
    [
        "session=; Max-Age=0",
        "session=; Max-Age=-1",
        "session=x; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
    ],
)
def test_deletion(deletion: str) -> None:
    jar = jar_with("session=abc; Path=/")
    assert jar.set_cookie(deletion + "; Path=/", SITE + "/", now=NOW) is True
    assert jar.header_for(SITE + "/", now=NOW) is None
    assert len(jar) == 0


def test_replacing_keeps_one_cookie() -> None:
    jar = jar_with("n=1; Path=/", "n=2; Path=/")
    assert jar.header_for(SITE + "/", now=NOW) == "n=2"
    assert len(jar) == 1


def test_secure_cookies_need_a_secure_origin() -> None:
    https = CookieJar()
    assert https.set_cookie("s=1; Secure", "https://example.org/", now=NOW)
    assert https.header_for("https://example.org/", now=NOW) == "s=1"
    assert https.header_for("http://example.org/", now=NOW) is None
    plain = CookieJar()
    assert not plain.set_cookie("s=1; Secure", "http://example.org/", now=NOW)
    # browsers treat localhost and 127.0.0.1 as secure contexts
    assert jar_with("s=1; Secure; Path=/").header_for(SITE + "/", now=NOW) == "s=1"


def test_domain_rules() -> None:
    jar = CookieJar()
    assert jar.set_cookie("d=1; Domain=example.org; Path=/", "https://app.example.org/", now=NOW)
    assert jar.header_for("https://example.org/", now=NOW) == "d=1"
    assert jar.header_for("https://other.example.org/", now=NOW) == "d=1"
    assert jar.header_for("https://notexample.org/", now=NOW) is None
    assert not jar.set_cookie("x=1; Domain=evil.com", "https://app.example.org/", now=NOW)
    host_only = jar_with("h=1; Path=/")
    assert host_only.header_for("http://sub.127.0.0.1/", now=NOW) is None


@pytest.mark.parametrize("bad", ["no-equals-sign", "=novalue", "  ; Path=/"])
def test_malformed_set_cookie_is_ignored(bad: str) -> None:
    jar = CookieJar()
    assert jar.set_cookie(bad, SITE + "/", now=NOW) is False
    assert len(jar) == 0


def test_survives_a_round_trip_through_json() -> None:
    jar = jar_with("session=abc; Path=/", "short=1; Max-Age=10; Path=/")
    restored = CookieJar.loads(jar.dumps(), now=NOW)
    assert restored.header_for(SITE + "/", now=NOW) == "session=abc; short=1"
    assert CookieJar.loads(jar.dumps(), now=NOW + 20).header_for(SITE + "/", now=NOW + 20) == (
        "session=abc"
    )


@pytest.mark.parametrize("text", [None, "", "not json", "[1, 2]", '{"a": 1}', '[{"bogus": 1}]'])
def test_unreadable_storage_gives_an_empty_jar(text: str | None) -> None:
    assert len(CookieJar.loads(text)) == 0
