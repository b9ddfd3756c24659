"""Web accounts: sign-up modes, cookie sessions with CSRF, throttled sign-in, password change,
session revocation, and the CLI that sets a password."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from gateway.app import create_app
from gateway.config import GatewaySettings
from gateway.identity import create_user
from gateway.models import WebSession
from ytempire.app.cli import app as cli
from ytempire.core.settings import Settings, get_settings

PASSWORD = "correct horse battery"
LOCAL = "http://localhost"


def make_client(tmp_path: Path, **gateway: object) -> TestClient:
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'gw.db'}",
                        kafka_bootstrap="127.0.0.1:1")
    return TestClient(create_app(settings, GatewaySettings(consume=False, **gateway)),
                      base_url=LOCAL)


@pytest.fixture
def web(tmp_path: Path) -> Iterator[TestClient]:
    with make_client(tmp_path, signup="open") as client:
        yield client


def signup(client: TestClient, email: str = "ada@example.com", name: str = "ada",
           **extra: str) -> dict:
    response = client.post("/v1/auth/signup", json={"email": email, "password": PASSWORD,
                                                     "name": name, **extra})
    assert response.status_code == 201, response.text
    return response.json()


def csrf(client: TestClient) -> dict[str, str]:
    return {"X-CSRF-Token": client.cookies["ytempire_csrf"]}


def test_signup_sets_an_httponly_lax_session_and_a_readable_csrf_cookie(web: TestClient) -> None:
    response = web.post("/v1/auth/signup", json={"email": " Ada@Example.com ",
                                                 "password": PASSWORD, "name": "ada"})
    assert response.status_code == 201, response.text
    assert response.json()["email"] == "ada@example.com"
    cookies = {c.split("=", 1)[0]: c.lower() for c in response.headers.get_list("set-cookie")}
    assert "httponly" in cookies["ytempire_session"] and "samesite=lax" in cookies[
        "ytempire_session"]
    assert "httponly" not in cookies["ytempire_csrf"]
    assert "secure" not in cookies["ytempire_session"]  # localhost is served over plain http
    assert web.get("/v1/me").json()["name"] == "ada"


def test_cookies_are_secure_outside_localhost(tmp_path: Path) -> None:
    with make_client(tmp_path, signup="open") as client:
        response = client.post("https://ytempire.example/v1/auth/signup", json={
            "email": "ada@example.com", "password": PASSWORD, "name": "ada"})
    assert response.status_code == 201
    assert all("secure" in c.lower() for c in response.headers.get_list("set-cookie"))


def test_a_cookie_change_needs_the_csrf_header_and_a_bearer_key_does_not(
        web: TestClient) -> None:
    signup(web)
    assert web.post("/v1/keys", json={"name": "x"}).json() == {
        "detail": "missing or wrong X-CSRF-Token"}
    assert web.post("/v1/keys", json={"name": "x"},
                    headers={"X-CSRF-Token": "0" * 64}).status_code == 403
    issued = web.post("/v1/keys", json={"name": "ci"}, headers=csrf(web))
    assert issued.status_code == 201, issued.text
    web.cookies.clear()
    bearer = {"Authorization": f"Bearer {issued.json()['key']}"}
    assert web.post("/v1/keys", json={"name": "more"}, headers=bearer).status_code == 201


def test_a_planted_csrf_cookie_matching_the_header_is_still_refused(web: TestClient) -> None:
    """A cookie planted by a sibling site, repeated in the header, does not match the session."""
    signup(web)
    session = web.cookies["ytempire_session"]
    web.cookies.clear()
    forged = "f" * 64
    response = web.post("/v1/keys", json={"name": "x"}, headers={
        "X-CSRF-Token": forged, "Cookie": f"ytempire_session={session}; ytempire_csrf={forged}"})
    assert response.status_code == 403


def test_wrong_password_and_unknown_email_get_one_answer_in_similar_time(
        web: TestClient) -> None:
    signup(web)
    web.cookies.clear()

    def attempt(email: str) -> tuple[int, str, float]:
        started = time.perf_counter()
        response = web.post("/v1/auth/login", json={"email": email, "password": "wrong one!"})
        return response.status_code, response.json()["detail"], time.perf_counter() - started

    wrong = [attempt("ada@example.com") for _ in range(2)]
    unknown = [attempt(f"nobody{i}@example.com") for i in range(2)]
    assert {(code, detail) for code, detail, _ in wrong + unknown} == {
        (401, "email or password is not right")}
    # both run one argon2 verification: an unknown email is not answered measurably faster
    assert min(t for *_, t in unknown) > 0.5 * min(t for *_, t in wrong)


def test_failed_logins_are_throttled_per_account_with_retry_after(tmp_path: Path) -> None:
    with make_client(tmp_path, signup="open", login_failures_per_account=3) as web:
        signup(web)
        web.cookies.clear()
        for _ in range(3):
            assert web.post("/v1/auth/login", json={"email": "ada@example.com",
                                                    "password": "nope nope"}).status_code == 401
        refused = web.post("/v1/auth/login", json={"email": "ada@example.com",
                                                   "password": PASSWORD})
        assert refused.status_code == 429
        assert 0 < int(refused.headers["Retry-After"]) <= 900
        assert "try again in" in refused.json()["detail"]
        assert "ytempire_session" not in web.cookies


def test_failed_logins_are_throttled_per_address_across_accounts(tmp_path: Path) -> None:
    with make_client(tmp_path, signup="open", login_failures_per_address=4) as web:
        codes = [web.post("/v1/auth/login", json={"email": f"u{i}@example.com",
                                                  "password": "whatever1"}).status_code
                 for i in range(5)]
    assert codes == [401, 401, 401, 401, 429]


def test_a_successful_login_starts_a_fresh_session_and_logout_ends_it(web: TestClient) -> None:
    signup(web)
    web.cookies.clear()
    assert web.get("/v1/me").status_code == 401
    login = web.post("/v1/auth/login", json={"email": "ADA@example.com", "password": PASSWORD})
    assert login.status_code == 200 and login.json()["name"] == "ada"
    session = web.cookies["ytempire_session"]
    assert web.post("/v1/auth/logout").status_code == 403  # a change: needs the CSRF header
    assert web.post("/v1/auth/logout", headers=csrf(web)).status_code == 204
    assert "ytempire_session" not in web.cookies
    web.cookies.set("ytempire_session", session)
    assert web.get("/v1/me").status_code == 401


def test_changing_the_password_signs_out_the_other_sessions(tmp_path: Path) -> None:
    with make_client(tmp_path, signup="open") as laptop, \
            TestClient(laptop.app, base_url=LOCAL) as phone:
        signup(laptop)
        assert phone.post("/v1/auth/login", json={"email": "ada@example.com",
                                                  "password": PASSWORD}).status_code == 200
        wrong = laptop.post("/v1/me/password", headers=csrf(laptop), json={
            "current_password": "not it at all", "new_password": "a new long secret"})
        assert wrong.status_code == 403
        changed = laptop.post("/v1/me/password", headers=csrf(laptop), json={
            "current_password": PASSWORD, "new_password": "a new long secret"})
        assert changed.status_code == 204, changed.text
        assert laptop.get("/v1/me").status_code == 200
        assert phone.get("/v1/me").status_code == 401
        phone.cookies.clear()
        assert phone.post("/v1/auth/login", json={"email": "ada@example.com",
                                                  "password": PASSWORD}).status_code == 401
        assert phone.post("/v1/auth/login", json={
            "email": "ada@example.com", "password": "a new long secret"}).status_code == 200


def test_sessions_are_listed_revocable_and_stored_only_as_hashes(tmp_path: Path) -> None:
    with make_client(tmp_path, signup="open") as laptop, \
            TestClient(laptop.app, base_url=LOCAL, headers={"User-Agent": "phone"}) as phone:
        signup(laptop)
        phone.post("/v1/auth/login", json={"email": "ada@example.com", "password": PASSWORD})
        listed = laptop.get("/v1/me/sessions").json()
        assert len(listed) == 2 and sum(s["current"] for s in listed) == 1
        other = next(s for s in listed if not s["current"])
        assert other["user_agent"] == "phone"
        token = phone.cookies["ytempire_session"]
        with laptop.app.state.sessions() as db:
            hashes = set(db.scalars(select(WebSession.token_hash)))
        assert hashlib.sha256(token.encode()).hexdigest() in hashes and token not in hashes
        assert laptop.delete(f"/v1/me/sessions/{other['id']}", headers=csrf(laptop)
                             ).status_code == 204
        assert phone.get("/v1/me").status_code == 401
        assert phone.delete(f"/v1/me/sessions/{listed[0]['id']}").status_code == 401


def test_another_users_session_cannot_be_revoked(tmp_path: Path) -> None:
    with make_client(tmp_path, signup="open") as ada, TestClient(ada.app, base_url=LOCAL) as bo:
        signup(ada)
        signup(bo, "bo@example.com", "bo")
        ada_session = ada.get("/v1/me/sessions").json()[0]["id"]
        assert bo.delete(f"/v1/me/sessions/{ada_session}", headers=csrf(bo)).status_code == 404
        assert ada.get("/v1/me").status_code == 200


def test_closed_signup_is_refused_with_a_reason(tmp_path: Path) -> None:
    with make_client(tmp_path) as web:
        assert web.get("/v1/auth/config").json() == {"signup": "closed"}
        response = web.post("/v1/auth/signup", json={"email": "ada@example.com",
                                                     "password": PASSWORD, "name": "ada"})
    assert response.status_code == 403 and "closed" in response.json()["detail"]


def test_an_invite_lets_one_person_sign_up_once(tmp_path: Path) -> None:
    with make_client(tmp_path, signup="invite") as web:
        with web.app.state.sessions() as db:
            _, issued = create_user(db, "ops", admin=True)
        admin = {"Authorization": f"Bearer {issued.secret}"}
        assert web.post("/v1/auth/signup", json={"email": "ada@example.com",
                                                 "password": PASSWORD, "name": "ada"}
                        ).status_code == 403
        invite = web.post("/v1/admin/invites", json={"email": "ada@example.com"},
                          headers=admin).json()
        assert invite["url"].endswith(f"/signup?invite={invite['token']}")
        refused = web.post("/v1/auth/signup", json={
            "email": "eve@example.com", "password": PASSWORD, "name": "eve",
            "invite_token": invite["token"]})
        assert refused.status_code == 403 and "another email" in refused.json()["detail"]
        signup(web, invite_token=invite["token"])
        web.cookies.clear()
        again = web.post("/v1/auth/signup", json={"email": "ada@example.com",
                                                  "password": PASSWORD, "name": "ada2",
                                                  "invite_token": invite["token"]})
        assert again.status_code == 403
        users = web.get("/v1/admin/users", headers=admin).json()
        assert [u["email"] for u in users] == [None, "ada@example.com"]


def test_an_expired_invite_is_refused(tmp_path: Path) -> None:
    with make_client(tmp_path, signup="invite", invite_ttl_s=0) as web:
        with web.app.state.sessions() as db:
            _, issued = create_user(db, "ops", admin=True)
        invite = web.post("/v1/admin/invites", headers={
            "Authorization": f"Bearer {issued.secret}"}).json()
        response = web.post("/v1/auth/signup", json={
            "email": "ada@example.com", "password": PASSWORD, "name": "ada",
            "invite_token": invite["token"]})
    assert response.status_code == 403 and "expired" in response.json()["detail"]


@pytest.mark.parametrize("body", [
    {"email": "not-an-email", "password": PASSWORD, "name": "x"},
    {"email": "a@b.co", "password": "short", "name": "x"},
    {"email": "a@b.co", "password": "x" * 10_000, "name": "x"},
    {"email": "a@b.co", "password": PASSWORD, "name": "   "},
    {"email": "a@b.co", "password": PASSWORD, "name": "x", "is_admin": True},
])
def test_hostile_signup_bodies_get_a_422_naming_the_field(web: TestClient, body: dict) -> None:
    response = web.post("/v1/auth/signup", json=body)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] in body


def test_a_taken_email_or_name_is_a_409(web: TestClient) -> None:
    signup(web)
    web.cookies.clear()
    response = web.post("/v1/auth/signup", json={"email": "ADA@example.com",
                                                 "password": PASSWORD, "name": "other"})
    assert response.status_code == 409


def test_the_live_feed_accepts_the_session_cookie(web: TestClient) -> None:
    """EventSource cannot set headers: the cookie alone authenticates the stream."""
    signup(web)
    response = web.get("/v1/events", params={"follow": "false"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")


def test_users_create_and_password_read_the_password_from_stdin(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ) -> None:
    monkeypatch.setenv("YTEMPIRE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("YTEMPIRE_DATABASE_URL", f"sqlite:///{tmp_path / 'gw.db'}")
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        created = runner.invoke(cli, ["users", "create", "ada", "--email", "Ada@Example.com",
                                      "--password-stdin"], input=PASSWORD + "\n")
        assert created.exit_code == 0, created.output
        short = runner.invoke(cli, ["users", "create", "bo", "--email", "bo@example.com",
                                    "--password-stdin"], input="short\n")
        assert short.exit_code == 2
        reset = runner.invoke(cli, ["users", "password", "ada", "--password-stdin"],
                              input="a brand new secret\n")
        assert reset.exit_code == 0, reset.output
    finally:
        get_settings.cache_clear()
    with make_client(tmp_path) as web:
        assert web.post("/v1/auth/login", json={"email": "ada@example.com",
                                                "password": PASSWORD}).status_code == 401
        assert web.post("/v1/auth/login", json={"email": "ada@example.com",
                                                "password": "a brand new secret"}
                        ).status_code == 200
        key = created.stdout.strip().splitlines()[-1]
        assert web.get("/v1/me", headers={"Authorization": f"Bearer {key}"}).status_code == 200




def test_a_refused_password_is_never_repeated_in_the_422(web: TestClient) -> None:
    secret = "hunter2-x"
    for body in ({"email": "a@b.co", "password": secret, "name": "x"},
                 {"email": "a@b.co", "password": ["nested", secret], "name": "x"}):
        response = web.post("/v1/auth/signup", json=body)
        assert response.status_code == 422 and secret not in response.text
    raw = web.post("/v1/auth/login", content=f'"{secret}"',
                   headers={"Content-Type": "application/json"})
    assert raw.status_code == 422 and secret not in raw.text
    other = web.post("/v1/auth/signup", json={"email": "nope", "password": "long enough!",
                                              "name": "x"})
    assert other.json()["detail"][0]["input"] == "nope"  # other fields still say what was sent
