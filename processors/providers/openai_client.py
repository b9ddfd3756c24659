"""The OpenAI client every OpenAI provider shares (script writer, voice, thumbnail,
moderation): one construction from settings, the client's own retries, and one mapping of its
errors onto the worker's two kinds of failure."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import openai
from openai import OpenAI

from ytempire.core.settings import Settings
from ytempire.stage import PermanentError, TransientError

PROVIDER = "openai"


def openai_client(settings: Settings) -> OpenAI:
    """The client every OpenAI provider shares: key and base URL from settings, the client's own
    retries (429 honouring Retry-After, 5xx, dropped connections) before ours."""
    assert settings.openai_api_key is not None, "build() only asks for a client when a key is set"
    return OpenAI(api_key=settings.openai_api_key.get_secret_value(),
                  base_url=settings.openai_base_url, timeout=settings.provider_timeout_s,
                  max_retries=settings.provider_max_retries)


@contextmanager
def openai_errors(what: str) -> Iterator[None]:
    """Turn the client's errors (after its own retries) into the worker's two kinds: rate
    limits, 5xx, 408/409 and connection trouble are transient; an exhausted quota and any
    other refusal are permanent."""
    try:
        yield
    except openai.RateLimitError as exc:
        if exc.code == "insufficient_quota":  # 429 too, but only a person can fix billing
            raise PermanentError(f"{what}: the OpenAI account is out of quota: {exc}") from exc
        raise TransientError(f"{what}: {type(exc).__name__}: {exc}") from exc
    except (openai.APIConnectionError, openai.InternalServerError) as exc:
        raise TransientError(f"{what}: {type(exc).__name__}: {exc}") from exc
    except openai.APIStatusError as exc:
        error = TransientError if exc.status_code in (408, 409) or exc.status_code >= 500 \
            else PermanentError
        raise error(f"{what}: HTTP {exc.status_code} {type(exc).__name__}: {exc}") from exc
