"""Connecting a channel to YouTube through Google's OAuth web-server flow (PKCE + state), against
FakeGoogle reached by google-auth-oauthlib, google-auth and google-api-python-client."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from gateway.channel_events import channel_emit
from gateway.models import Channel, User, YouTubeConnection
from processors.providers.google.connections import Connections, NotConnected, refreshed
from tests.fakes.google_server import CLIENT_ID, CLIENT_SECRET, FakeGoogle
from tests.gateway.conftest import Caller
from ytempire.core.events import plain
from ytempire.core.google import MONETARY
from ytempire.core.settings import Settings
from ytempire.core.vault import Vault

KEY = Vault.new_key()


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite only here: the table itself is checked on PostgreSQL by test_migrations."""
    return f"sqlite:///{tmp_path / 'gateway.db'}"


@pytest.fixture
def gateway_settings(tmp_path: Path, database_url: str, google: FakeGoogle) -> Settings:
    return youtube_settings(tmp_path, database_url, google)


def youtube_settings(tmp_path: Path, database_url: str, google: FakeGoogle) -> Settings:
    return Settings(data_dir=tmp_path, database_url=database_url,
                    youtube_client_id=CLIENT_ID, youtube_client_secret=CLIENT_SECRET,
                    youtube_auth_uri=google.auth_url, youtube_token_uri=google.token_url,
                    youtube_revoke_uri=google.revoke_url, youtube_api_base_url=google.url,
                    youtube_analytics_base_url=google.url, youtube_token_keys=KEY,
                    youtube_redirect_uri="http://testserver/v1/youtube/oauth/callback")


def connect(client: TestClient, caller: Caller, channel_id: str, monetary: bool = False
            ) -> httpx.Response:
    """The owner's whole journey: ask for the URL, consent at Google, come back."""
    answer = client.post(f"/v1/channels/{channel_id}/youtube/connect",
                         json={"monetary": monetary}, headers=caller.headers)
    assert answer.status_code == 200, answer.text
    consent = httpx.get(answer.json()["authorization_url"], follow_redirects=False)
    assert consent.status_code == 302
    back = urlsplit(consent.headers["location"])
    return client.get(f"{back.path}?{back.query}", follow_redirects=False)


def row(client: TestClient, channel_id: str) -> YouTubeConnection:
    with client.app.state.sessions() as db:  # type: ignore[attr-defined]
        found = db.scalar(select(YouTubeConnection).where(
            YouTubeConnection.channel_id == channel_id))
        assert found is not None
        return found


def test_consent_url_asks_offline_access_with_pkce_and_state(
        client: TestClient, alice: Caller, channel: dict) -> None:
    answer = client.post(f"/v1/channels/{channel['id']}/youtube/connect",
                         json={"monetary": True}, headers=alice.headers)
    query = parse_qs(urlsplit(answer.json()["authorization_url"]).query)
    assert query["access_type"] == ["offline"] and query["prompt"] == ["consent"]
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    assert len(query["state"][0]) >= 20
    assert set(query["scope"][0].split()) >= {
        "https://www.googleapis.com/auth/youtube.upload",
        "https://www.googleapis.com/auth/youtube.readonly",
        "https://www.googleapis.com/auth/yt-analytics.readonly", MONETARY}


def test_connecting_binds_the_youtube_channel_and_seals_the_refresh_token(
        client: TestClient, alice: Caller, channel: dict, google: FakeGoogle) -> None:
    google.consent.channel_id, google.consent.title = "UCspace", "Space Facts"
    back = connect(client, alice, channel["id"])

    assert back.status_code == 303
    assert back.headers["location"] == f"/channels/{channel['id']}?youtube=connected"
    shown = client.get(f"/v1/channels/{channel['id']}", headers=alice.headers).json()["youtube"]
    assert shown["status"] == "connected" and shown["publishes_to"] == "youtube"
    assert shown["youtube_channel_id"] == "UCspace"
    assert shown["youtube_channel_title"] == "Space Facts"
    assert shown["granted_scopes"] == ["youtube.readonly", "youtube.upload",
                                       "yt-analytics.readonly"]
    assert shown["monetary"] is False
    stored = row(client, channel["id"])
    token = Vault([KEY]).open(stored.refresh_token_sealed or "")
    assert google.grants[token].channel_id == "UCspace"
    assert token not in stored.refresh_token_sealed  # type: ignore[operator]
    assert token not in client.get(f"/v1/channels/{channel['id']}/youtube",
                                   headers=alice.headers).text
    assert stored.state_hash is None and stored.verifier_sealed is None


def test_monetary_scope_is_shown_only_when_the_owner_granted_it(
        client: TestClient, alice: Caller, channel: dict, google: FakeGoogle) -> None:
    google.consent.drop_scopes = (MONETARY,)
    assert connect(client, alice, channel["id"], monetary=True).status_code == 303
    assert client.get(f"/v1/channels/{channel['id']}/youtube",
                      headers=alice.headers).json()["monetary"] is False

    google.consent.drop_scopes = ()
    assert connect(client, alice, channel["id"], monetary=True).status_code == 303
    assert client.get(f"/v1/channels/{channel['id']}/youtube",
                      headers=alice.headers).json()["monetary"] is True


def test_a_consent_left_incomplete_or_denied_changes_nothing(
        client: TestClient, alice: Caller, channel: dict, google: FakeGoogle) -> None:
    google.consent.deny = True
    denied = connect(client, alice, channel["id"])
    assert denied.status_code == 400 and "access_denied" in denied.json()["detail"]

    google.consent.deny = False
    google.consent.drop_scopes = ("https://www.googleapis.com/auth/youtube.upload",)
    partial = connect(client, alice, channel["id"])
    assert partial.status_code == 400 and "youtube.upload" in partial.json()["detail"]
    shown = client.get(f"/v1/channels/{channel['id']}/youtube", headers=alice.headers).json()
    assert shown["status"] == "not_connected" and shown["publishes_to"] == "nowhere"


def test_a_callback_state_works_once_and_only_for_its_own_attempt(
        client: TestClient, alice: Caller, channel: dict) -> None:
    answer = client.post(f"/v1/channels/{channel['id']}/youtube/connect",
                         headers=alice.headers)
    consent = httpx.get(answer.json()["authorization_url"], follow_redirects=False)
    back = urlsplit(consent.headers["location"])
    forged = client.get("/v1/youtube/oauth/callback?state=guess&code=4/x",
                        follow_redirects=False)
    assert forged.status_code == 404
    assert client.get(f"{back.path}?{back.query}", follow_redirects=False).status_code == 303
    again = client.get(f"{back.path}?{back.query}", follow_redirects=False)
    assert again.status_code == 404 and "already used" in again.json()["detail"]


def test_other_owners_cannot_connect_or_see_a_channel(
        client: TestClient, bob: Caller, channel: dict) -> None:
    assert client.post(f"/v1/channels/{channel['id']}/youtube/connect",
                       headers=bob.headers).status_code == 404
    assert client.get(f"/v1/channels/{channel['id']}/youtube",
                      headers=bob.headers).status_code == 404


def test_a_revoked_grant_turns_the_channel_reconnect_needed(
        client: TestClient, alice: Caller, channel: dict, google: FakeGoogle,
        gateway_settings: Settings) -> None:
    connect(client, alice, channel["id"])
    connections = Connections.from_settings(gateway_settings)
    link = connections.link(channel["id"])
    assert refreshed(connections, link).token  # a fresh access token from the fake
    google.grant_for(google.consent.channel_id).revoked = True  # type: ignore[union-attr]

    with pytest.raises(NotConnected, match="invalid_grant"):
        refreshed(connections, connections.link(channel["id"]))
    shown = client.get(f"/v1/channels/{channel['id']}", headers=alice.headers).json()["youtube"]
    assert shown["status"] == "reconnect_needed" and shown["publishes_to"] == "nowhere"
    assert connections.link(channel["id"]).mode == "reconnect_needed"


def sent_channel(client: TestClient, channel_id: str) -> tuple[bool, datetime, dict]:
    """The channel's outbox flag, its version, and the channel.updated the outbox would send."""
    with client.app.state.sessions() as db:  # type: ignore[attr-defined]
        row = db.get_one(Channel, channel_id)
        return row.event_pending, row.updated_at, plain(
            channel_emit(row, db.get_one(User, row.owner_id)).value)


def test_a_revoked_grant_sends_the_channel_again_with_publish_target_nowhere(
        client: TestClient, alice: Caller, channel: dict, google: FakeGoogle,
        gateway_settings: Settings) -> None:
    connect(client, alice, channel["id"])
    with client.app.state.sessions() as db:  # type: ignore[attr-defined]
        db.execute(update(Channel).values(event_pending=False))  # as if the outbox had sent it
        db.commit()
    pending, version, event = sent_channel(client, channel["id"])
    assert not pending and event["publish_target"] == "youtube"
    google.grant_for(google.consent.channel_id).revoked = True  # type: ignore[union-attr]

    connections = Connections.from_settings(gateway_settings)  # as the publisher's, or the
    with pytest.raises(NotConnected):                            # collector's, process reads
        refreshed(connections, connections.link(channel["id"]))
    pending, resent, event = sent_channel(client, channel["id"])
    assert pending and resent > version  # the outbox sends it within seconds, a new version
    assert event["publish_target"] == "nowhere" and event["version"] == resent

    with client.app.state.sessions() as db:  # type: ignore[attr-defined]
        db.execute(update(Channel).values(event_pending=False, updated_at=resent))
        db.commit()
    connections.reconnect_needed(channel["id"], "met again by another stage")
    assert sent_channel(client, channel["id"])[:2] == (False, resent)  # no change, no event

    connect(client, alice, channel["id"])  # reconnecting sends it again, publishing to YouTube
    pending, again, event = sent_channel(client, channel["id"])
    assert pending and again > resent and event["publish_target"] == "youtube"


def test_disconnecting_revokes_the_grant_at_google(
        client: TestClient, alice: Caller, channel: dict, google: FakeGoogle) -> None:
    connect(client, alice, channel["id"])
    grant = google.grant_for(google.consent.channel_id)
    answer = client.delete(f"/v1/channels/{channel['id']}/youtube", headers=alice.headers)
    assert answer.status_code == 200 and answer.json()["status"] == "not_connected"
    assert grant is not None and grant.revoked
    assert row(client, channel["id"]).refresh_token_sealed is None


def test_local_only_channels_publish_to_the_local_folder(
        client: TestClient, alice: Caller, channel: dict, gateway_settings: Settings) -> None:
    answer = client.patch(f"/v1/channels/{channel['id']}/youtube", json={"local_only": True},
                          headers=alice.headers)
    assert answer.json()["publishes_to"] == "local"
    assert Connections.from_settings(gateway_settings).link(channel["id"]).mode == "local_only"


def test_without_a_google_client_connecting_says_it_is_not_configured(
        tmp_path: Path, alice: Caller, channel: dict, client: TestClient) -> None:
    client.app.state.settings = Settings(data_dir=tmp_path)  # type: ignore[attr-defined]
    answer = client.post(f"/v1/channels/{channel['id']}/youtube/connect",
                         headers=alice.headers)
    assert answer.status_code == 409 and "not configured" in answer.json()["detail"]


def test_rotating_keys_reseals_tokens_so_the_old_key_can_go(
        client: TestClient, alice: Caller, channel: dict, gateway_settings: Settings,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from ytempire.app.cli import app as cli
    from ytempire.core.settings import get_settings

    connect(client, alice, channel["id"])
    before = row(client, channel["id"]).refresh_token_sealed or ""
    new = Vault.new_key()
    monkeypatch.setenv("YTEMPIRE_DATABASE_URL", gateway_settings.database_url)
    monkeypatch.setenv("YTEMPIRE_YOUTUBE_TOKEN_KEYS", f"{new},{KEY}")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["youtube", "rotate-keys"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0 and "re-sealed 1 token" in result.output
    after = row(client, channel["id"]).refresh_token_sealed or ""
    assert Vault([new]).open(after) == Vault([KEY]).open(before)
