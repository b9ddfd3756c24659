"""narrator.build picks voices by settings alone: keys set and ``voice_provider``."""

from __future__ import annotations

from pathlib import Path

import pytest

from processors.narrator import voice_tiers
from ytempire.core.settings import Settings
from ytempire.core.voices import voice_plan, voice_priced_as

KEYS = {"openai_api_key": "sk-x", "elevenlabs_api_key": "xi-x"}


@pytest.mark.parametrize(("keys", "choice", "expected"), [
    ({}, "auto", ["espeak-ng"]),
    ({"openai_api_key": "sk-x"}, "auto", ["openai"]),
    ({"elevenlabs_api_key": "xi-x"}, "auto", ["elevenlabs"]),
    (KEYS, "auto", ["elevenlabs", "openai"]),
    (KEYS, "elevenlabs", ["elevenlabs", "openai"]),
    (KEYS, "openai", ["openai"]),
    (KEYS, "espeak", ["espeak-ng"]),
])
def test_voice_tiers_follow_keys_and_choice(
    tmp_path: Path, keys: dict[str, str], choice: str, expected: list[str]
) -> None:
    settings = Settings(data_dir=tmp_path, voice_provider=choice, **keys)
    tiers = voice_tiers(settings)
    assert [voice.provider for voice in tiers] == expected
    # the estimate prices the voices by name: the kernel's names must be what the stage builds
    assert [(voice.provider, voice.model) for voice in tiers] == [
        voice_priced_as(name, settings) for name in voice_plan(settings)]


def test_a_chosen_provider_without_its_key_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="needs its API key"):
        voice_tiers(Settings(data_dir=tmp_path, voice_provider="elevenlabs"))
