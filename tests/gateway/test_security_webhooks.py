"""Webhooks against a hostile tenant: no endpoint stalls another owner's deliveries, no URL
reaches a private address in any spelling, deleted hooks stay quiet, secrets rotate.

Real sockets on 127.0.0.0/8 only; names are resolved by an injected resolver, so "a name that
resolves to loopback" needs no DNS."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.config import GatewaySettings
from gateway.signing import HEADER, verify
from gateway.webhooks import enqueue_event
from tests.gateway.conftest import Caller, stored_text
from tests.polling import until
from ytempire.core import egress
from ytempire.core.settings import Settings

DEADLINE = 1.5
LOCAL = ["127.0.0.0/8"]


class Receiver:
    """An HTTP endpoint on ``host`` answering ``status`` (and ``location``); logs arrivals."""

    def __init__(self, status: int = 200, host: str = "127.0.0.1", location: str = "",
                 port: int = 0) -> None:
        self.received: list[tuple[float, dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((time.monotonic(), dict(self.headers), body))
                self.send_response(status)
                if location:
                    self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://{host}:{self.port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


class Stalling:
    """A TCP endpoint that reads the request, then answers one byte every 0.2 s (``drip``) or
    nothing at all; records how long each connection stayed open."""

    def __init__(self, drip: bool) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/hook"
        self.held: list[float] = []
        self.drip = drip
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            conn, _ = self.listener.accept()
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        opened = time.monotonic()
        answer = b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + b"x" * 100_000
        try:
            conn.recv(65536)
            for byte in answer:
                if self.drip:
                    conn.sendall(bytes([byte]))
                    time.sleep(0.2)
                elif conn.recv(1) == b"":
                    break
        except OSError:
            pass
        self.held.append(time.monotonic() - opened)
        conn.close()


def names(table: dict[str, list[str]]) -> Callable[[str, int], list[str]]:
    """A resolver answering from ``table`` (a name's answers are used in turn, the last one
    repeating); calls are logged in ``.calls``."""
    calls: list[str] = []

    def resolve(host: str, port: int) -> list[str]:
        calls.append(host)
        answers = table.get(host, [])
        index = min(calls.count(host), len(answers)) - 1
        return [answers[index]] if answers else []

    resolve.calls = calls  # type: ignore[attr-defined]
    return resolve


@pytest.fixture
def gateway_settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'gateway.db'}")


def _app_client(settings: Settings,
                resolve: Callable[[str, int], list[str]] = egress.system_resolver,
                **overrides: object) -> TestClient:
    config = {"consume": False, "webhook_deadline_s": DEADLINE, "webhook_senders": 4,
              "webhook_backoff_base_s": 30.0, "egress_allow": LOCAL, **overrides}
    return TestClient(create_app(settings, GatewaySettings(**config), resolve))


@pytest.fixture
def client(gateway_settings: Settings) -> Iterator[TestClient]:
    with _app_client(gateway_settings) as test_client:
        yield test_client


def _hook(client: TestClient, caller: Caller, url: str) -> dict:
    made = client.post("/v1/webhooks", headers=caller.headers, json={"url": url, "events": ["*"]})
    assert made.status_code == 201, made.text
    return made.json()


def _event(client: TestClient, caller: Caller, name: str) -> float:
    with client.app.state.sessions() as db:  # type: ignore[attr-defined]
        enqueue_event(db, caller.user_id, name, "video.cancelled", datetime.now(UTC),
                      {"video_id": name})
        db.commit()
    return time.monotonic()


def _log(client: TestClient, caller: Caller, hook: dict) -> list[dict]:
    return client.get(f"/v1/webhooks/{hook['id']}/deliveries", headers=caller.headers).json()


def test_dripping_and_silent_endpoints_delay_only_their_owner(
        client: TestClient, alice: Caller, bob: Caller) -> None:
    dripping, silent, bobs = Stalling(drip=True), Stalling(drip=False), Receiver()
    alices = [_hook(client, alice, s.url) for _ in range(5) for s in (dripping, silent)]
    _hook(client, bob, bobs.url)
    _event(client, alice, "evt-alice")
    time.sleep(0.3)  # alice's ten deliveries are due first
    sent = _event(client, bob, "evt-bob")
    until(lambda: bobs.received, "bob's delivery", timeout=10, every=0.05)
    assert bobs.received[0][0] - sent < DEADLINE, "bob waited for alice's endpoints"
    until(lambda: dripping.held and silent.held, "both stalling endpoints reached",
          timeout=4 * DEADLINE, every=0.05)
    assert max(dripping.held + silent.held) < DEADLINE + 1.0  # one deadline for all of it
    outcomes = {d["last_error"] for h in alices for d in _log(client, alice, h)
                if d["attempts"]}
    assert outcomes == {f"no answer within {DEADLINE:g}s"}


REFUSED = [
    "http://127.0.0.1/", "http://2130706433/", "http://0x7f000001/", "http://0x7f.1/",
    "http://0177.0.0.1/", "http://127.1/", "http://[::1]/", "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:7f00:1]/", "http://169.254.169.254/latest/meta-data/",
    "http://[::ffff:169.254.169.254]/", "http://10.1.2.3/", "http://172.16.0.1/",
    "http://192.168.0.1/", "http://100.64.0.1/", "http://[fe80::1]/", "http://[fd00::1]/",
    "http://0.0.0.0/", "http://224.0.0.1/", "http://[64:ff9b::7f00:1]/",
    "http://[2002:7f00:1::]/", "http://loopback.test/", "http://mixed.test/",
    "http://nowhere.test/", "http://user:pw@93.184.216.34/", "ftp://93.184.216.34/"]


def test_webhook_urls_reaching_private_addresses_are_refused_at_registration(
        gateway_settings: Settings, alice_factory: Callable[[TestClient], Caller]) -> None:
    answers = {"loopback.test": ["127.0.0.1"], "mixed.test": ["93.184.216.34", "10.0.0.7"],
               "hooks.example.com": ["93.184.216.34"]}
    with _app_client(gateway_settings, lambda host, _: answers.get(host, []),
                     egress_allow=[]) as client:
        caller = alice_factory(client)
        answered = {url: client.post("/v1/webhooks", headers=caller.headers,
                                     json={"url": url, "events": ["*"]}) for url in REFUSED}
        public = client.post("/v1/webhooks", headers=caller.headers,
                             json={"url": "https://hooks.example.com/in", "events": ["*"]})
    assert {url: r.status_code for url, r in answered.items()} == dict.fromkeys(REFUSED, 422)
    assert all("url" in str(r.json()["detail"]) for r in answered.values())
    assert public.status_code == 201, public.text


@pytest.fixture
def alice_factory() -> Callable[[TestClient], Caller]:
    from gateway.identity import create_user

    def make(client: TestClient) -> Caller:
        with client.app.state.sessions() as db:  # type: ignore[attr-defined]
            user, issued = create_user(db, "alice")
        return Caller(user.id, issued.secret)

    return make


def test_delivery_connects_to_the_checked_address_and_checks_again_each_attempt(
        gateway_settings: Settings, alice_factory: Callable[[TestClient], Caller]) -> None:
    """DNS rebinding: the name's third answer is a refused address with a server on the same
    port; the first attempt went to the pinned allowed address, the second goes nowhere."""
    allowed = Receiver(500, host="127.0.0.2")
    internal = Receiver(port=allowed.port)
    resolve = names({"hooks.test": ["127.0.0.2", "127.0.0.2", "127.0.0.1"]})
    with _app_client(gateway_settings, resolve, egress_allow=["127.0.0.2/32"],
                     webhook_backoff_base_s=0.2) as client:
        caller = alice_factory(client)
        hook = _hook(client, caller, f"http://hooks.test:{allowed.port}/hook")
        _event(client, caller, "evt-1")
        until(lambda: _log(client, caller, hook)[0]["last_error"] == "address not allowed",
              "the refusal logged", timeout=10, every=0.05)
        [delivery] = _log(client, caller, hook)
    assert len(allowed.received) == 1 and internal.received == []
    assert allowed.received[0][1]["Host"] == f"hooks.test:{allowed.port}"
    assert delivery["last_status_code"] is None and delivery["attempts"] == 2


def test_redirects_are_not_followed(gateway_settings: Settings,
                                    alice_factory: Callable[[TestClient], Caller]) -> None:
    internal = Receiver()
    redirecting = Receiver(307, host="127.0.0.2", location=internal.url)
    with _app_client(gateway_settings, egress_allow=["127.0.0.2/32"]) as client:
        caller = alice_factory(client)
        hook = _hook(client, caller, redirecting.url)
        _event(client, caller, "evt-1")
        until(lambda: _log(client, caller, hook)[0]["attempts"], "an attempt logged",
              timeout=10, every=0.05)
        [delivery] = _log(client, caller, hook)
    assert (delivery["status"], delivery["last_error"]) == ("pending", "HTTP 307")
    assert internal.received == []


def test_connection_errors_reach_the_owner_as_no_answer(client: TestClient,
                                                        alice: Caller) -> None:
    closed = socket.create_server(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there: connection refused
    hook = _hook(client, alice, f"http://127.0.0.1:{port}/hook")
    _event(client, alice, "evt-1")
    until(lambda: _log(client, alice, hook)[0]["attempts"], "an attempt logged", timeout=10,
          every=0.05)
    [delivery] = _log(client, alice, hook)
    assert delivery["last_error"] == "no answer" and delivery["last_status_code"] is None


def test_a_deleted_webhook_gets_no_more_retries(gateway_settings: Settings,
                                                alice_factory: Callable[[TestClient], Caller]
                                                ) -> None:
    failing = Receiver(500)
    with _app_client(gateway_settings, webhook_backoff_base_s=0.3) as client:
        caller = alice_factory(client)
        hook = _hook(client, caller, failing.url)
        _event(client, caller, "evt-1")
        until(lambda: failing.received, "the failing endpoint called", timeout=10,
              every=0.05)
        assert client.delete(f"/v1/webhooks/{hook['id']}",
                             headers=caller.headers).status_code == 204
        seen = len(failing.received)
        time.sleep(1.5)  # several backoffs
    assert len(failing.received) == seen == 1


def test_rotated_secret_signs_alongside_the_old_one_during_the_overlap(
        client: TestClient, alice: Caller) -> None:
    receiver = Receiver()
    hook = _hook(client, alice, receiver.url)
    rotated = client.post(f"/v1/webhooks/{hook['id']}/rotate-secret", headers=alice.headers)
    assert rotated.status_code == 200 and rotated.json()["secret"] != hook["secret"]
    assert "secret" not in client.get("/v1/webhooks", headers=alice.headers).json()[0]
    stored = stored_text(client)  # both secrets sealed: neither is in the database in clear
    assert hook["secret"] not in stored and rotated.json()["secret"] not in stored
    _event(client, alice, "evt-1")
    until(lambda: receiver.received, "the delivery", timeout=10, every=0.05)
    _, headers, body = receiver.received[0]
    verify(rotated.json()["secret"], headers[HEADER], body)
    verify(hook["secret"], headers[HEADER], body)
    other = client.post(f"/v1/webhooks/{hook['id']}/rotate-secret", headers=alice.headers)
    assert other.status_code == 200
    assert client.post("/v1/webhooks/nope/rotate-secret",
                       headers=alice.headers).status_code == 404


def test_rotation_without_overlap_signs_with_the_new_secret_only(
        gateway_settings: Settings, alice_factory: Callable[[TestClient], Caller]) -> None:
    receiver = Receiver()
    with _app_client(gateway_settings, webhook_secret_overlap_s=0) as client:
        caller = alice_factory(client)
        hook = _hook(client, caller, receiver.url)
        new = client.post(f"/v1/webhooks/{hook['id']}/rotate-secret",
                          headers=caller.headers).json()["secret"]
        _event(client, caller, "evt-1")
        until(lambda: receiver.received, "the delivery", timeout=10, every=0.05)
    _, headers, body = receiver.received[0]
    verify(new, headers[HEADER], body)
    assert headers[HEADER].count("v1=") == 1


def test_webhooks_and_inbound_sources_per_user_are_capped(
        gateway_settings: Settings, alice_factory: Callable[[TestClient], Caller]) -> None:
    with _app_client(gateway_settings, webhooks_per_user=2, inbound_sources_per_user=1) as client:
        caller = alice_factory(client)
        hooks = [client.post("/v1/webhooks", headers=caller.headers,
                             json={"url": "http://127.0.0.1:9/h", "events": ["*"]})
                 for _ in range(3)]
        sources = [client.post("/v1/inbound-sources", headers=caller.headers,
                               json={"name": "s"}) for _ in range(2)]
        assert [r.status_code for r in hooks] == [201, 201, 409]
        assert "at most 2 webhooks" in hooks[2].json()["detail"]
        assert [r.status_code for r in sources] == [201, 409]
        client.delete(f"/v1/webhooks/{hooks[0].json()['id']}", headers=caller.headers)
        assert client.post("/v1/webhooks", headers=caller.headers,
                           json={"url": "http://127.0.0.1:9/h", "events": ["*"]}
                           ).status_code == 201


@pytest.mark.parametrize("address,public", [
    ("93.184.216.34", True), ("2606:2800:220:1:248:1893:25c8:1946", True),
    ("127.0.0.1", False), ("::1", False), ("::ffff:127.0.0.1", False), ("::ffff:8.8.8.8", True),
    ("169.254.169.254", False), ("fe80::1", False), ("fc00::1", False), ("10.0.0.1", False),
    ("0.0.0.0", False), ("::", False), ("255.255.255.255", False), ("239.1.1.1", False),
    ("ff02::1", False), ("100.64.0.1", False), ("64:ff9b::a00:1", False),
    ("2002:a00:1::", False), ("198.18.0.1", False)])
def test_only_public_addresses_are_permitted(address: str, public: bool) -> None:
    import ipaddress

    assert egress.permitted(ipaddress.ip_address(address)) is public
