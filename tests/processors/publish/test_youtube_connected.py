"""The publisher uploads for channels connected through the product: it opens the sealed grant
in the gateway's database with the shared key, never a file; local-only channels stay local; a
revoked grant turns the channel "reconnect needed" before anything is sent."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from gateway.db import make_engine
from gateway.migrate import upgrade
from processors.providers.google.connections import NotConnected
from processors.providers.publish import VideoMetadata
from processors.publisher import build
from tests.fakes.google_server import CLIENT_ID, CLIENT_SECRET, FakeGoogle
from ytempire.core.settings import Settings
from ytempire.core.vault import Vault

KEY = Vault.new_key()


@pytest.fixture
def settings(tmp_path: Path, google: FakeGoogle) -> Settings:
    url = f"sqlite:///{tmp_path / 'gateway.db'}"
    engine = make_engine(url)
    upgrade(engine)
    rows = [("connected", False, Vault([KEY]).seal(google.refresh_token)),
            ("local", True, None)]
    with sa.create_engine(url).begin() as conn:  # no channel rows: foreign keys stay off here
        for channel_id, local_only, sealed in rows:
            conn.execute(sa.text(
                "INSERT INTO youtube_connections (channel_id, local_only, status, "
                "youtube_channel_title, scopes, refresh_token_sealed, updated_at) VALUES "
                "(:c, :l, :s, '', :scopes, :t, CURRENT_TIMESTAMP)"),
                {"c": channel_id, "l": local_only, "t": sealed,
                 "s": "connected" if sealed else "not_connected",
                 "scopes": "https://www.googleapis.com/auth/youtube.upload"})
    engine.dispose()
    return Settings(data_dir=tmp_path, database_url=url, youtube_client_id=CLIENT_ID,
                    youtube_client_secret=CLIENT_SECRET, youtube_token_uri=google.token_url,
                    youtube_api_base_url=google.url, youtube_token_keys=KEY)


def test_each_channel_publishes_where_its_connection_says(settings: Settings) -> None:
    stage = build(settings)
    assert stage.choose("connected").platform == "youtube"
    assert stage.choose("local").platform == "local"
    assert stage.choose("never-seen").platform == "none"  # ready, not uploaded


def test_a_connected_channel_uploads_with_its_sealed_grant(
        settings: Settings, google: FakeGoogle, tmp_path: Path) -> None:
    video, thumbnail = tmp_path / "v.mp4", tmp_path / "t.png"
    video.write_bytes(b"\x00" * 300_000)
    thumbnail.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    published = build(settings).choose("connected").upload(
        video, thumbnail, VideoMetadata(video_id="v1", channel_id="connected", title="Bees",
                                        description="", tags=[]))
    assert published.platform == "youtube" and google.videos_created == 1
    assert google.videos[published.platform_video_id]["content"] == video.read_bytes()


def test_a_revoked_grant_stops_the_upload_and_asks_for_a_reconnect(
        settings: Settings, google: FakeGoogle, tmp_path: Path) -> None:
    google.grants[google.refresh_token].revoked = True
    video, thumbnail = tmp_path / "v.mp4", tmp_path / "t.png"
    video.write_bytes(b"\x00" * 1000)
    thumbnail.write_bytes(b"\x89PNG")
    with pytest.raises(NotConnected, match="reconnect"):
        build(settings).choose("connected").upload(
            video, thumbnail, VideoMetadata(video_id="v1", channel_id="connected", title="B",
                                            description="", tags=[]))
    assert google.videos_created == 0
    with sa.create_engine(settings.database_url).connect() as conn:
        status = conn.execute(sa.text("SELECT status, refresh_token_sealed FROM "
                                      "youtube_connections WHERE channel_id = 'connected'")).one()
    assert tuple(status) == ("reconnect_needed", None)
