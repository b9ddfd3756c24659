"""Fixtures for the provider tests: the fake services, settings pointing at them, captured logs."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog

from tests.fakes.elevenlabs_server import FakeElevenLabs
from tests.fakes.openai_server import FakeOpenAI
from ytempire.core import logging as ylogging
from ytempire.core.settings import Settings

OPENAI_KEY = "sk-test-0penai-s3cret-never-logged"
ELEVENLABS_KEY = "xi-test-3leven-s3cret-never-logged"


@pytest.fixture
def openai_fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(api_key=OPENAI_KEY) as fake:
        yield fake


@pytest.fixture
def elevenlabs_fake() -> Iterator[FakeElevenLabs]:
    with FakeElevenLabs(api_key=ELEVENLABS_KEY) as fake:
        yield fake


def openai_settings(tmp_path: Path, fake: FakeOpenAI, **overrides: object) -> Settings:
    """Settings with the OpenAI key set and the client pointed at ``fake``."""
    return Settings(data_dir=tmp_path, openai_api_key=OPENAI_KEY, openai_base_url=fake.url,
                    **overrides)


@pytest.fixture
def log_text() -> Iterator[io.StringIO]:
    """Everything logged during the test (our structlog lines as JSON, the clients' stdlib
    logging at DEBUG), readable from the returned buffer."""
    buffer = io.StringIO()
    saved = structlog.get_config()
    ylogging.configure(log_format="json", level="debug", stream=buffer)
    handler = logging.StreamHandler(buffer)
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield buffer
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)
        structlog.configure(**saved)
