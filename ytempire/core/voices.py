"""Which voices the settings allow, premium first, and what each is priced as.

Names only, no clients: the narrator builds the voices of ``voice_plan`` and the gateway's
estimate prices them before any work, so both read this one rule (``tests/processors/providers/
test_voice_selection.py`` checks that the built voices are priced as ``voice_priced_as`` says).
"""

from __future__ import annotations

from ytempire.core.settings import Settings


def voice_plan(settings: Settings) -> list[str]:
    """The voices settings allow, premium first: ElevenLabs then OpenAI TTS, each when its key
    is set. ``voice_provider`` "auto" uses both (espeak-ng when neither key is set),
    "elevenlabs" starts there (OpenAI stays its economy tier), "openai" and "espeak" pin one.
    """
    paid = [name for name, key in (("elevenlabs", settings.elevenlabs_api_key),
                                   ("openai", settings.openai_api_key)) if key is not None]
    choice = settings.voice_provider
    if choice == "auto":
        return paid or ["espeak"]
    if choice == "espeak":
        return ["espeak"]
    if choice not in paid:
        raise ValueError(f"voice_provider={choice!r} needs its API key set (or use 'auto' or "
                         f"'espeak'); known: auto, elevenlabs, openai, espeak")
    return paid[paid.index(choice):]


def voice_priced_as(name: str, settings: Settings) -> tuple[str, str]:
    """The (provider, model) a planned voice's characters are priced as."""
    return {"elevenlabs": ("elevenlabs", settings.elevenlabs_model),
            "openai": ("openai", settings.tts_model),
            "espeak": ("espeak-ng", "espeak-ng")}[name]
