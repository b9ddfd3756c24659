"""Local HTTP servers that behave like the documented provider APIs (OpenAI, ElevenLabs, Pexels,
YouTube), failures included, and count every call. Tests point the real client libraries at them.

Each module exposes a context-manager class (``with FakeX() as fake: fake.url, fake.calls``) with
fault injection, so any test — provider unit tests, the end-to-end cost test, the chaos test —
can start one without fixtures from elsewhere.
"""
