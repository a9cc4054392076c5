"""The browser-side cookie jar, held to RFC 6265's storage and retrieval rules."""

from __future__ import annotations

import logging

import pytest

from adapters.browser.cookies import (
    CookieJar,
    Initiator,
    SiteContext,
    default_path,
    fetch_context,
    registrable_domain,
)

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


# --- SameSite, from what a service worker can see of a request --------------------------

APP = SITE + "/app/"
SAME_SITE_COOKIES = (
    "strict=1; Path=/; SameSite=Strict",
    "lax=1; Path=/; SameSite=Lax",
    "default=1; Path=/",
    "none=1; Path=/; SameSite=None; Secure",
)


def sent(context: SiteContext, url: str = APP) -> str | None:
    return jar_with(*SAME_SITE_COOKIES).header_for(url, now=NOW, context=context)


def test_same_site_request_gets_every_cookie() -> None:
    assert sent(SiteContext(same_site=True)) == "strict=1; lax=1; default=1; none=1"


def test_cross_site_subresource_request_gets_no_lax_cookies() -> None:
    assert sent(SiteContext(same_site=False)) == "none=1"


def test_cross_site_top_level_get_navigation_gets_lax_and_default_cookies() -> None:
    context = SiteContext(same_site=False, top_level_navigation=True, method="GET")
    assert sent(context) == "lax=1; default=1; none=1"


def test_cross_site_form_post_gets_only_samesite_none_cookies() -> None:
    context = SiteContext(same_site=False, top_level_navigation=True, method="POST")
    assert sent(context) == "none=1"


def test_samesite_none_without_secure_is_refused() -> None:
    assert not CookieJar().set_cookie("n=1; SameSite=None", SITE + "/", now=NOW)
    assert CookieJar().set_cookie("n=1; SameSite=None; Secure", SITE + "/", now=NOW)


def test_cross_site_subresource_response_cannot_set_lax_cookies() -> None:
    jar = CookieJar()
    cross = SiteContext(same_site=False)
    assert not jar.set_cookie("lax=1; SameSite=Lax", APP, now=NOW, context=cross)
    assert not jar.set_cookie("default=1", APP, now=NOW, context=cross)
    assert jar.set_cookie("none=1; SameSite=None; Secure", APP, now=NOW, context=cross)
    navigation = SiteContext(same_site=False, top_level_navigation=True, method="POST")
    assert jar.set_cookie("strict=1; SameSite=Strict", APP, now=NOW, context=navigation)


def test_unknown_samesite_value_counts_as_lax() -> None:
    jar = jar_with("odd=1; Path=/; SameSite=Sometimes")
    assert jar.header_for(APP, now=NOW, context=SiteContext(same_site=False)) is None
    navigation = SiteContext(same_site=False, top_level_navigation=True)
    assert jar.header_for(APP, now=NOW, context=navigation) == "odd=1"


def test_jar_in_context_applies_the_context_to_callers_that_pass_none() -> None:
    jar = jar_with(*SAME_SITE_COOKIES)
    assert jar.in_context(SiteContext(same_site=False)).header_for(APP, now=NOW) == "none=1"
    view = jar.in_context(SiteContext(same_site=True))
    assert view.set_cookie("later=1; Path=/", APP, now=NOW)
    assert "later" in {cookie.name for cookie in jar}  # the view shares the jar's cookies


def navigation(**fields: object) -> SiteContext:
    options: dict[str, object] = {"mode": "navigate", "destination": "document", **fields}
    return fetch_context(APP, **options)  # type: ignore[arg-type]


def test_subresource_requests_reach_the_worker_only_from_its_own_pages() -> None:
    assert fetch_context(APP, mode="cors", referrer="about:client") == SiteContext(True)
    assert not fetch_context(APP, mode="cors", origin="https://evil.example").same_site


def test_navigation_from_a_controlled_window_is_same_site() -> None:
    found = Initiator(found=True, url=SITE + "/app/form", frame_type="top-level")
    assert navigation(method="POST", initiator=found, referrer="").same_site


def test_navigation_from_a_window_of_another_origin_is_cross_site() -> None:
    context = navigation(initiator=Initiator(found=False), referrer="")
    assert context == SiteContext(same_site=False, top_level_navigation=True)


def test_cross_site_form_post_is_known_by_its_origin_header() -> None:
    context = navigation(method="POST", origin="http://cross-site.test:8000")
    assert not context.same_site and context.top_level_navigation


def test_navigation_with_a_cross_site_referrer_is_cross_site() -> None:
    assert not navigation(referrer="https://evil.example/").same_site
    assert navigation(referrer=SITE + "/elsewhere").same_site


def test_same_site_other_origin_counts_as_same_site() -> None:
    url = "https://app.example.co.uk/app/"
    context = fetch_context(url, mode="navigate", referrer="https://www.example.co.uk/")
    assert context.same_site
    other = fetch_context(url, mode="navigate", referrer="https://other.co.uk/")
    assert not other.same_site


def test_scheme_matters_for_the_site() -> None:
    url = "https://example.org/app/"
    assert not fetch_context(url, mode="navigate", referrer="http://example.org/").same_site


def test_typed_url_navigation_is_same_site_but_an_unexplained_post_is_not() -> None:
    assert navigation().same_site
    assert not navigation(method="POST").same_site


def test_sec_fetch_site_decides_when_a_browser_shows_it() -> None:
    assert not navigation(sec_fetch_site="cross-site", initiator=Initiator(True, SITE)).same_site
    assert navigation(sec_fetch_site="none", initiator=Initiator(False)).same_site


def test_nested_navigation_is_not_top_level() -> None:
    context = fetch_context(APP, mode="navigate", destination="iframe", referrer="https://x.org/")
    assert not context.top_level_navigation and not context.lax_allowed


def test_framed_window_with_a_cross_site_ancestor_is_cross_site() -> None:
    framed = Initiator(True, SITE + "/app/", "nested", ("https://evil.example",))
    assert not navigation(initiator=framed).same_site


# --- Domain: public suffixes and IP addresses ------------------------------------------


@pytest.mark.parametrize(
    ("domain", "url"),
    [
        ("com", "https://shop.example.com/"),
        ("co.uk", "https://shop.example.co.uk/"),
        ("github.io", "https://user.github.io/"),
        (".pages.dev", "https://app.pages.dev/"),
    ],
)
def test_public_suffix_domain_is_refused(domain: str, url: str) -> None:
    jar = CookieJar()
    assert not jar.set_cookie(f"wide=1; Domain={domain}", url, now=NOW)
    assert len(jar) == 0


def test_public_suffix_domain_equal_to_the_host_is_a_host_only_cookie() -> None:
    jar = CookieJar()
    assert jar.set_cookie("h=1; Domain=localhost; Path=/", "http://localhost/", now=NOW)
    assert [(c.domain, c.host_only) for c in jar] == [("localhost", True)]


def test_registrable_domain_below_a_suffix_is_accepted() -> None:
    jar = CookieJar()
    assert jar.set_cookie("d=1; Domain=example.co.uk; Path=/", "https://a.example.co.uk/", now=NOW)
    assert jar.header_for("https://b.example.co.uk/", now=NOW) == "d=1"


def test_domain_that_does_not_match_the_host_is_refused() -> None:
    assert not CookieJar().set_cookie("x=1; Domain=other.org", "https://app.example.org/", now=NOW)


def test_domain_on_an_ip_host_is_refused_unless_it_is_that_ip() -> None:
    jar = CookieJar()
    assert not jar.set_cookie("x=1; Domain=0.0.1", SITE + "/", now=NOW)
    assert jar.set_cookie("y=1; Domain=127.0.0.1; Path=/", SITE + "/", now=NOW)
    assert [(c.name, c.host_only) for c in jar] == [("y", True)]


@pytest.mark.parametrize(
    ("host", "site"),
    [
        ("app.example.org", "example.org"),
        ("a.b.example.co.uk", "example.co.uk"),
        ("user.github.io", "user.github.io"),
        ("github.io", "github.io"),
        ("127.0.0.1", "127.0.0.1"),
        ("localhost", "localhost"),
    ],
)
def test_registrable_domain(host: str, site: str) -> None:
    assert registrable_domain(host) == site


# --- HttpOnly and what is persisted ----------------------------------------------------


def test_http_only_is_kept_and_persisted_by_default() -> None:
    jar = jar_with("session=abc; Path=/; HttpOnly", "theme=dark; Path=/")
    assert {c.name: c.http_only for c in jar} == {"session": True, "theme": False}
    restored = CookieJar.loads(jar.dumps(), now=NOW)
    assert {c.name: c.http_only for c in restored} == {"session": True, "theme": False}


def test_http_only_cookies_can_be_left_out_of_the_saved_jar() -> None:
    jar = jar_with("session=abc; Path=/; HttpOnly", "theme=dark; Path=/")
    assert [c.name for c in CookieJar.loads(jar.dumps(http_only=False), now=NOW)] == ["theme"]
    assert jar.header_for(SITE + "/", now=NOW) == "session=abc; theme=dark"  # still in memory


def test_samesite_survives_a_round_trip() -> None:
    jar = CookieJar.loads(jar_with(*SAME_SITE_COOKIES).dumps(), now=NOW)
    assert sent_from(jar, SiteContext(same_site=False)) == "none=1"


def sent_from(jar: CookieJar, context: SiteContext) -> str | None:
    return jar.header_for(APP, now=NOW, context=context)


def test_save_from_before_samesite_still_loads() -> None:
    old = '[{"name": "a", "value": "1", "domain": "127.0.0.1", "path": "/", "host_only": true,'
    old += ' "expires": null, "secure": false, "created": 1.0}]'
    jar = CookieJar.loads(old, now=NOW)
    assert jar.header_for(APP, now=NOW) == "a=1"


# --- A corrupt saved jar ----------------------------------------------------------------

GOOD = '{"name": "a", "value": "1", "domain": "127.0.0.1", "path": "/", "created": 1.0'


@pytest.mark.parametrize(
    "text",
    [
        "{not json",
        GOOD,  # a truncated record
        "[" + GOOD + "}",  # a truncated list
        '{"a": 1}',
        "[1, 2]",
        '[{"bogus": 1}]',
        "[" + GOOD + ', "expires": "tomorrow"}]',
        "[" + GOOD + ', "secure": "yes"}]',
        "[" + GOOD + ', "expires": NaN}]',
        "[" + GOOD + ', "same_site": "sometimes"}]',
        "[" + GOOD.replace('"path": "/"', '"path": 3') + "}]",
        "[" + GOOD + "}, 7]",
    ],
)
def test_corrupt_jar_is_discarded_with_a_log_line(
    text: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="adapters"):
        jar = CookieJar.loads(text, now=NOW)
    assert len(jar) == 0
    warnings = [r for r in caplog.records if "cookie jar" in r.getMessage()]
    assert len(warnings) == 1
    assert jar.header_for(APP, now=NOW) is None  # and requests go on with the empty jar


def test_jar_saved_as_something_other_than_text_is_discarded(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="adapters"):
        assert len(CookieJar.loads({"a": 1})) == 0
    assert len(caplog.records) == 1


def test_no_saved_jar_is_no_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="adapters"):
        assert len(CookieJar.loads(None)) == 0 and len(CookieJar.loads("")) == 0
    assert caplog.records == []


# --- The browser's own store (document.cookie) -------------------------------------------

SCOPE = "https://app.example/site/app/"


def _names(jar: CookieJar) -> list[str]:
    return sorted(cookie.name for cookie in jar)


def test_cookies_a_page_script_writes_are_adopted_and_its_deletions_too() -> None:
    jar = jar_with("csrftoken=abc; Path=/", "session=s; Path=/; HttpOnly", url=SCOPE + "page")
    seen = [
        {"name": "csrftoken", "value": "abc", "domain": None, "path": "/", "sameSite": "lax"},
        {"name": "theme", "value": "dark", "domain": None, "path": "/", "expires": None},
    ]
    assert jar.adopt_visible(seen, SCOPE) is True
    assert _names(jar) == ["csrftoken", "session", "theme"]
    sent = jar.header_for(SCOPE + "x", now=NOW)
    assert sent is not None
    assert sorted(sent.split("; ")) == ["csrftoken=abc", "session=s", "theme=dark"]
    # The page deleted csrftoken; the HttpOnly session, which it cannot see, stays.
    assert jar.adopt_visible(seen[1:], SCOPE) is True
    assert _names(jar) == ["session", "theme"]
    assert jar.adopt_visible(seen[1:], SCOPE) is False  # nothing new


def test_adopting_never_touches_httponly_cookies_or_ones_the_store_cannot_show() -> None:
    jar = jar_with("session=s; Path=/; HttpOnly", "deep=1; Path=/site/app/notes", url=SCOPE)
    forged = [{"name": "session", "value": "forged", "domain": None, "path": "/"}]
    jar.adopt_visible(forged, SCOPE)
    assert jar.header_for(SCOPE + "notes/1", now=NOW) == "deep=1; session=s"  # not listable


@pytest.mark.parametrize("records", [None, "text", [1, None, {"name": ""}, {"value": "x"}]])
def test_a_malformed_account_of_the_store_changes_nothing_it_cannot_read(records: object) -> None:
    jar = jar_with("a=1; Path=/", url=SCOPE)
    jar.adopt_visible(records, SCOPE)
    if isinstance(records, list):
        assert _names(jar) == []  # a list was given: what it holds is the truth (a is gone)
    else:
        assert _names(jar) == ["a"]
