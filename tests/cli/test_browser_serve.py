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


class Server:
    def __init__(self, port: int) -> None:
        self.port = port

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


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp_path = tmp_path_factory.mktemp("browser-serve")
    bundle = tmp_path / "bundle"
    (bundle / "assets").mkdir(parents=True)
    (bundle / "app").mkdir()
    (bundle / "bundle.json").write_text("{}")
    (bundle / "index.html").write_text("<p>app</p>")
    (bundle / "assets" / "main.js").write_text("console.log(1)")
    (bundle / "app" / "index.html").write_text("<p>sub</p>")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(SECRET)
    (bundle / "leak.txt").symlink_to(outside / "secret.txt")
    (bundle / "leakdir").symlink_to(outside, target_is_directory=True)
    (bundle / "alias.js").symlink_to(bundle / "assets" / "main.js")
    server = make_static_server(bundle, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Server(server.server_address[1])
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
    assert served.get("/app/")[2] == b"<p>sub</p>"


def test_a_folder_without_index_html_is_not_listed(served: Server) -> None:
    status, headers, body = served.get("/assets/")
    assert status == 404 and b"main.js" not in body
    assert headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(
    "path",
    ["/leak.txt", "/leakdir/secret.txt", "/leakdir/", "/../outside/secret.txt",
     "/%2e%2e/outside/secret.txt", "/assets/..%2f..%2foutside/secret.txt",
     "/..\\outside\\secret.txt"],
)  # fmt: skip
def test_nothing_outside_the_bundle_is_reachable(served: Server, path: str) -> None:
    status, _, body = served.get(path)
    assert status in (400, 404)
    assert SECRET.encode() not in body


@pytest.mark.parametrize("path", [b"/a%00b", b"/index.html%00.js", b"/%01", b"/a\x00b"])
def test_a_path_no_file_can_have_gets_400_not_a_dropped_connection(
    served: Server, path: bytes
) -> None:
    answer = served.raw(b"GET " + path + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert answer.startswith((b"HTTP/1.1 400", b"HTTP/1.0 400")), answer[:80]
    assert b"Traceback" not in answer


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
def test_methods_other_than_get_and_head_get_405_with_allow(served: Server, method: str) -> None:
    status, headers, _ = served.get("/index.html", method)
    assert status == 405 and headers["allow"] == "GET, HEAD"


def test_head_gives_the_headers_without_the_body(served: Server) -> None:
    status, headers, body = served.get("/index.html", "HEAD")
    assert (status, body) == (200, b"")
    assert headers["content-length"] == str(len("<p>app</p>"))
