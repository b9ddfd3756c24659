"""`egress.fetch`: a user-given URL fetched over real sockets, every redirect checked again."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ytempire.core import egress

LOCAL = egress.networks(["127.0.0.0/8"])


class _Handler(BaseHTTPRequestHandler):
    routes: dict[str, tuple[int, dict[str, str], bytes]] = {}

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        status, headers, body = self.routes.get(self.path, (404, {}, b"no"))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    _Handler.routes = {
        "/feed": (200, {}, b"<rss version='2.0'></rss>"),
        "/moved": (301, {"Location": "/feed"}, b""),
        "/to-metadata": (302, {"Location": "http://169.254.169.254/latest/meta-data/"}, b""),
        "/big": (200, {}, b"x" * 5000),
        "/loop": (302, {"Location": "/loop"}, b""),
    }
    yield base
    httpd.shutdown()


def test_a_permitted_url_is_fetched_and_a_redirect_inside_is_followed(server: str) -> None:
    assert egress.fetch(f"{server}/feed", egress.system_resolver, LOCAL, 5, 1000).body.startswith(
        b"<rss")
    moved = egress.fetch(f"{server}/moved", egress.system_resolver, LOCAL, 5, 1000)
    assert (moved.status, moved.body) == (200, b"<rss version='2.0'></rss>")


def test_loopback_is_refused_unless_the_operator_allows_it(server: str) -> None:
    with pytest.raises(egress.Refused, match="not a public address"):
        egress.fetch(f"{server}/feed", egress.system_resolver, [], 5, 1000)


def test_a_redirect_to_the_metadata_service_is_refused_before_connecting(server: str) -> None:
    with pytest.raises(egress.Refused, match="169.254.169.254 is not a public address"):
        egress.fetch(f"{server}/to-metadata", egress.system_resolver, LOCAL, 5, 1000)


def test_an_answer_over_the_cap_and_a_redirect_loop_are_refused(server: str) -> None:
    with pytest.raises(egress.TooLarge):
        egress.fetch(f"{server}/big", egress.system_resolver, LOCAL, 5, 1000)
    with pytest.raises(egress.Refused, match="more than 3 redirects"):
        egress.fetch(f"{server}/loop", egress.system_resolver, LOCAL, 5, 1000)
