"""`adapters browser serve`: only the bundle's own files, never a listing, never a file
reached through a symlink or `..` out of the folder, `nosniff` on every answer, and a 400
(not a dropped connection) for paths no file can have."""

from __future__ import annotations

import http.client
import socket
import threading
from collections.abc import Iterator

import pytest

from adapters.cli.browser import make_static_server

SECRET = "secret-outside-the-bundle"
STAND_IN = '<meta name="adapters-site" content="stand-in">'  # what the build writes there


class Server:
    def __init__(self, port: int, heard: list[tuple[str, str, int]]) -> None:
        self.port = port
        self.heard = heard  # what the on_request hook was told

    def get(self, path: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.putrequest(method, path, skip_accept_encoding=True)
            connection.endheaders()
            response = connection.getresponse()
            return (
                response.status,
                {k.lower(): v for k, v in response.getheaders()},
                response.read(),
            )
        finally:
            connection.close()

    def raw(self, data: bytes) -> bytes:
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as client:
            client.sendall(data)
            received = b""
            while chunk := client.recv(65536):
                received += chunk
            return received

    def raw_request(self, line: bytes) -> tuple[bytes, bytes]:
        """The status line and the rest, for a request line sent as is."""
        answer = self.raw(line + b"\r\nHost: x\r\nConnection: close\r\n\r\n")
        status, _, rest = answer.partition(b"\r\n")
        return status, rest


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp_path = tmp_path_factory.mktemp("browser-serve")
    bundle = tmp_path / "bundle"
    (bundle / "assets").mkdir(parents=True)
    (bundle / "app").mkdir()
    (bundle / "bundle.json").write_text("{}")
    (bundle / "index.html").write_text("<p>app</p>")
    (bundle / "assets" / "main.js").write_text("console.log(1)")
    (bundle / "app" / "index.html").write_text(f"{STAND_IN}<p>sub</p>")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(SECRET)
    (bundle / "leak.txt").symlink_to(outside / "secret.txt")
    (bundle / "leakdir").symlink_to(outside, target_is_directory=True)
    (bundle / "alias.js").symlink_to(bundle / "assets" / "main.js")
    (bundle / "trap").mkdir()
    (bundle / "trap" / "index.html").symlink_to(outside / "secret.txt")
    heard: list[tuple[str, str, int]] = []
    server = make_static_server(
        bundle,
        "127.0.0.1",
        0,
        headers={"X-Static-Server": "tests"},
        on_request=lambda *request: heard.append(request),
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Server(server.server_address[1], heard)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def test_files_in_the_bundle_are_served_with_nosniff(served: Server) -> None:
    status, headers, body = served.get("/assets/main.js")
    assert (status, body) == (200, b"console.log(1)")
    assert headers["content-type"] == "text/javascript"
    assert headers["x-content-type-options"] == "nosniff"
    assert served.get("/alias.js")[0] == 200  # a symlink that stays inside is fine
    assert served.get("/app/")[2].endswith(b"<p>sub</p>")


def test_a_folder_without_index_html_is_not_listed(served: Server) -> None:
    status, headers, body = served.get("/assets/")
    assert status == 404 and b"main.js" not in body
    assert headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(
    "path",
    ["/leak.txt", "/leakdir/secret.txt", "/leakdir/", "/leakdir", "/trap/", "/trap",
     "/../outside/secret.txt", "/%2e%2e/outside/secret.txt", "/%2E%2E/%2E%2E/outside/secret.txt",
     "/assets/..%2f..%2foutside/secret.txt", "/..\\outside\\secret.txt",
     "/..%5c..%5coutside%5csecret.txt", "/%c0%ae%c0%ae/outside/secret.txt"],
)  # fmt: skip
def test_nothing_outside_the_bundle_is_reachable(served: Server, path: str) -> None:
    status, headers, body = served.get(path)
    assert status == 404
    assert SECRET.encode() not in body
    assert headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("path", [b"/a%00b", b"/index.html%00.js", b"/%01", b"/a\x00b"])
def test_a_path_no_file_can_have_gets_400_not_a_dropped_connection(
    served: Server, path: bytes
) -> None:
    answer = served.raw(b"GET " + path + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert answer.startswith((b"HTTP/1.1 400", b"HTTP/1.0 400")), answer[:80]
    assert b"Traceback" not in answer


@pytest.mark.parametrize(
    "method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "PROPFIND", "FOO", "get"]
)
def test_methods_other_than_get_and_head_get_405_with_allow(served: Server, method: str) -> None:
    status, headers, _ = served.get("/index.html", method)
    assert status == 405 and headers["allow"] == "GET, HEAD"


def test_head_gives_the_headers_without_the_body(served: Server) -> None:
    status, headers, body = served.get("/index.html", "HEAD")
    assert (status, body) == (200, b"")
    assert headers["content-length"] == str(len("<p>app</p>"))


def test_a_folder_with_index_html_redirects_to_its_slash_form(served: Server) -> None:
    status, headers, _ = served.get("/app?x=1")
    assert status == 301 and headers["location"] == "/app/?x=1"
    assert headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(
    ("path", "status"),
    [("/%zz", 404), ("/%", 404), ("/%2", 404), ("/%ff", 404), ("/\xff", 404),
     ("/" + "a" * 5000, 404), ("/a/" * 2000, 404), ("/%ed%b0%80", 400), ("/%7f", 400)],
)  # fmt: skip
def test_malformed_paths_get_a_clean_error_not_a_dropped_connection(
    served: Server, path: str, status: int
) -> None:
    line, rest = served.raw_request(b"GET " + path.encode("latin-1") + b" HTTP/1.1")
    assert line.startswith(b"HTTP/1.0 %d " % status), line
    assert b"x-content-type-options: nosniff" in rest.lower()
    assert b"Traceback" not in rest and b"Error:" not in rest


@pytest.mark.parametrize(
    ("request_line", "status"),
    [(b"GET", 400), (b"GET / HTTP/1.1 extra", 400), (b"GET / HTTP/9.9", 505),
     (b"GET / HTTPS/1.1", 400), (b"GET /" + b"a" * 70_000 + b" HTTP/1.1", 414)],
)  # fmt: skip
def test_malformed_request_lines_get_a_status_line_with_headers(
    served: Server, request_line: bytes, status: int
) -> None:
    line, rest = served.raw_request(request_line)
    assert line.startswith(b"HTTP/1.0 %d " % status), line[:80]
    headers = rest.partition(b"\r\n\r\n")[0].lower()
    assert b"x-content-type-options: nosniff" in headers
    assert b"x-static-server: tests" in headers
    assert b"Traceback" not in rest
    assert ("", "", status) in served.heard  # the hook hears of it, with no path


def test_every_answer_carries_the_configured_headers(served: Server) -> None:
    for path, method, status in [
        ("/index.html", "GET", 200),
        ("/", "HEAD", 200),
        ("/app", "GET", 301),
        ("/missing.js", "GET", 404),
        ("/index.html", "POST", 405),
    ]:
        answer, headers, _ = served.get(path, method)
        assert answer == status, path
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["cache-control"] == "no-cache"
        assert headers["x-static-server"] == "tests"
        assert (method, path, status) in served.heard


@pytest.mark.parametrize("path", ["/app/notes/3", "/app/notes/3?page=2", "/app/a%20b/"])
def test_a_missing_page_under_app_gets_the_installer_so_deep_links_boot(
    served: Server, path: str
) -> None:
    """Opened before the worker exists, an app URL gets app/index.html, which installs the
    worker and loads the same URL again (now the app's to answer)."""
    status, headers, body = served.get(path)
    assert status == 200 and body.endswith(b"<p>sub</p>")
    assert headers["content-type"].startswith("text/html")
    assert served.get(path, "HEAD")[0] == 200


@pytest.mark.parametrize(
    "path", ["/assets/missing.js", "/leakdir/app/x", "/nope/app/x", "/trap/x", "/missing"]
)
def test_other_missing_files_are_still_404(served: Server, path: str) -> None:
    status, _, body = served.get(path)
    assert status == 404
    assert SECRET.encode() not in body
