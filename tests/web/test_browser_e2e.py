"""The web app in a real browser (Debian's Chromium through Playwright) against the real gateway,
the session's Kafka broker and every stage as its own process: a person signs up, creates a
channel, requests two videos and watches them reach `ready (not uploaded)` without reloading
(the channel is not connected to YouTube, so nothing is shown as published); another
person cannot open the first one's video by changing the URL. Each page is screenshotted into
docs/screenshots/ and checked with axe-core."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from gateway.app import create_app
from gateway.config import GatewaySettings
from tests.conftest import VIDEO_STAGES
from tests.gateway.server import serve
from ytempire.app.stack import Stack
from ytempire.core.settings import Settings

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "docs" / "screenshots"
AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium not found at /usr/bin/chromium: run `make setup` (apt chromium)")
    if not (ROOT / "web" / "dist" / "index.html").exists():
        pytest.fail("web/dist is not built: run `make setup`")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def base(kafka_settings: Settings, tmp_path: Path) -> Iterator[str]:
    stack = Stack(kafka_settings, services=["analytics-sink"], stages=VIDEO_STAGES)
    stack.start(with_broker=False, from_end=True)
    settings = kafka_settings.model_copy(update={
        "database_url": f"sqlite:///{tmp_path / 'gateway.db'}"})
    app = create_app(settings, GatewaySettings(
        consumer_group=f"gw-web-{uuid.uuid4().hex[:8]}", signup="open"))
    try:
        with serve(app) as url:
            yield url
    finally:
        stack.stop()


def accessible(page: Page, name: str) -> None:
    """No serious or critical axe-core violation on the page; a screenshot for the docs."""
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']}))
        .violations.filter(v => ['serious', 'critical'].includes(v.impact))
        .map(v => `${v.id}: ${v.nodes.map(n => n.target.join(' ')).join(', ')}`)""")
    assert found == [], f"{name}: {found}"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def nav(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name).click()


def sign_up(page: Page, base: str, name: str, email: str) -> None:
    page.goto(f"{base}/signup")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Overview")).to_be_visible(timeout=20_000)


def test_a_person_makes_two_videos_and_watches_them_get_ready(browser: Browser, base: str) -> None:
    started = time.monotonic()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{base}/login")
    expect(page.get_by_role("heading", name="Sign in to YTEmpire")).to_be_visible()
    accessible(page, "login")
    email = f"maker-{uuid.uuid4().hex[:6]}@example.com"
    sign_up(page, base, "Maker", email)
    expect(page.get_by_role("status").filter(has_text="Live")).to_be_visible(timeout=20_000)

    nav(page, "Channels")
    expect(page.get_by_text("No channels yet")).to_be_visible()
    page.get_by_role("link", name="Create your first channel").click()
    page.get_by_label("Name").fill("Deep Space")
    page.get_by_role("button", name="Create channel").click()
    expect(page.get_by_label("Niche")).to_have_attribute("aria-invalid", "true")  # the API's reason
    page.get_by_label("Niche").fill("space history")
    page.get_by_label("Schedule (cron)").fill("")
    page.get_by_label("Publish automatically when a video passes quality").uncheck()
    accessible(page, "channel-form")
    page.get_by_role("button", name="Create channel").click()
    expect(page.get_by_role("link", name="Deep Space")).to_be_visible()
    accessible(page, "channels")

    nav(page, "Generate")
    page.get_by_label("Topics").fill("Why octopuses have three hearts\nHow comets get their tails")
    page.get_by_label("Duration (seconds)").fill("15")
    expect(page.get_by_label("Estimate")).to_contain_text("for 2 video(s)")
    page.get_by_role("button", name="Generate 2 videos").click()
    requested = page.get_by_role("region", name="Requested")
    expect(requested.get_by_role("link")).to_have_count(2)
    accessible(page, "generate")
    paths = [link.get_attribute("href") for link in requested.get_by_role("link").all()]
    assert all(p and re.fullmatch(r"/videos/[\w-]+", p) for p in paths), paths
    video_path, other_path = str(paths[0]), str(paths[1])

    # Held for review (no auto-publish): one approved, one published now; both move to
    # `ready (not uploaded)` (the channel is not connected) on their page while it stays open
    # (no reload).
    for path, button in ((other_path, "Publish now"), (video_path, "Approve")):
        page.goto(f"{base}{path}")
        expect(page.get_by_role("heading", name="Progress")).to_be_visible()
        page.evaluate("window.__sameDocument = true")  # gone if the page reloads
        expect(page.locator("main").get_by_text("awaiting publish", exact=True)).to_be_visible(
            timeout=240_000)
        if button == "Approve":
            accessible(page, "video-held")
        page.get_by_role("button", name=button).click()
        expect(page.locator("main").get_by_text("ready (not uploaded)", exact=True)
               ).to_be_visible(timeout=120_000)
        assert page.evaluate("window.__sameDocument") is True
    expect(page.locator("[data-state=done]")).to_have_count(5)  # every step but the upload

    # The MP4 plays from the authenticated artifact route and seeks (HTTP range).
    player = page.get_by_label(re.compile(r"^Video: "))
    expect(player).to_be_visible(timeout=30_000)
    seeked = player.evaluate("""async (v) => {
        const once = (name) => new Promise(r => v.addEventListener(name, r, {once: true}));
        v.muted = true;
        if (v.readyState < 1) await once('loadedmetadata');
        const done = once('seeked');
        v.currentTime = v.duration / 2;
        await done;
        if (v.readyState < 2) await once('canplay');
        return {duration: v.duration, readyState: v.readyState, at: v.currentTime};
    }""")
    assert seeked["duration"] > 5 and seeked["readyState"] >= 2 and seeked["at"] > 2, seeked
    accessible(page, "video")

    nav(page, "Videos")
    expect(page.get_by_role("table").get_by_role("row")).to_have_count(3, timeout=60_000)
    accessible(page, "videos")
    nav(page, "Overview")
    expect(page.get_by_role("group", name="Videos today")).to_contain_text("2", timeout=30_000)
    accessible(page, "overview")
    nav(page, "Costs")
    expect(page.get_by_role("table", name="Spend by day")).to_be_visible(timeout=30_000)
    by_video = page.get_by_role("table", name="Spend by video")
    expect(by_video.get_by_role("link", name=video_path[8:16])).to_be_visible()
    accessible(page, "costs")
    with page.expect_download() as download:
        page.get_by_role("button", name="Export CSV of spend by video").click()
    rows = download.value.path().read_text().splitlines()
    api = page.request.get(f"{base}/v1/costs", params={"by": "video"}).json()
    assert rows[0] == "video_id,usd,calls"
    assert {r.split(",")[0] for r in rows[1:]} == {row["key"] for row in api["rows"]}
    assert video_path.removeprefix("/videos/") in {r.split(",")[0] for r in rows[1:]}
    nav(page, "Settings")
    expect(page.get_by_role("table", name="Sessions")).to_contain_text("(this one)")
    accessible(page, "settings")
    nav(page, "Notifications")
    expect(page.get_by_role("heading", name="Notifications")).to_be_visible()
    accessible(page, "notifications")

    phone = browser.new_context(viewport={"width": 390, "height": 844},
                                storage_state=context.storage_state())
    small = phone.new_page()
    small.goto(f"{base}/")
    expect(small.get_by_role("group", name="Spend this month")).to_be_visible()
    assert small.evaluate("document.documentElement.scrollWidth") <= 390
    small.screenshot(path=str(SHOTS / "overview-phone.png"))
    phone.close()

    other = browser.new_context()
    stranger = other.new_page()
    sign_up(stranger, base, "Stranger", f"stranger-{uuid.uuid4().hex[:6]}@example.com")
    stranger.goto(f"{base}{video_path}")
    expect(stranger.get_by_role("alert")).to_contain_text("not found")
    assert stranger.request.get(f"{base}/v1{video_path}").status == 404
    assert stranger.request.get(f"{base}/v1{video_path}/artifacts/video").status == 404
    mine = stranger.request.get(f"{base}/v1/costs/export", params={"by": "video"}).text()
    assert video_path.removeprefix("/videos/") not in mine
    other.close()

    guesser = browser.new_context().new_page()
    guesser.goto(f"{base}/login")
    guesser.get_by_label("Email").fill(email)
    guesser.get_by_label("Password").fill("not the password")
    guesser.get_by_role("button", name="Sign in").click()
    expect(guesser.get_by_role("alert")).to_contain_text("email or password is not right")
    guesser.context.close()
    context.close()
    assert time.monotonic() - started < 300

