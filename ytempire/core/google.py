"""Google's APIs as YTEmpire uses them: OAuth scopes and API clients built offline from the
discovery documents google-api-python-client ships. In the kernel because the gateway (connect)
and the stages (the publisher, the metrics collector) both use them; which channel acts through
which grant is ``processors.providers.google.connections``."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import google_auth_httplib2
import httplib2
from google.auth.credentials import Credentials
from googleapiclient.discovery import build_from_document
from googleapiclient.discovery_cache import get_static_doc
from googleapiclient.errors import HttpError

SCOPE = "https://www.googleapis.com/auth/"
UPLOAD = SCOPE + "youtube.upload"
READONLY = SCOPE + "youtube.readonly"
ANALYTICS = SCOPE + "yt-analytics.readonly"
MONETARY = SCOPE + "yt-analytics-monetary.readonly"
BASE_SCOPES = (UPLOAD, READONLY, ANALYTICS)
GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"

LOCAL_CHANNEL = "local"
"""The channel of videos requested without the gateway (``ytempire generate``, ``make demo``):
no owner can connect it, so without a row saying otherwise it is local only."""
NOT_UPLOADED = "none"
"""``upload.done``'s platform for a video that is ready but went nowhere (channel not
connected): the gateway shows it ``ready_not_uploaded``."""


def publish_target(channel_id: str, local_only: bool, status: str) -> str:
    """Where a channel's videos go, from its ``youtube_connections`` row (the one source of
    truth; a channel without a row reads as ``local_only=False, status="not_connected"``):
    ``youtube`` (connected), ``local`` (the owner chose local only) or ``nowhere`` (not
    connected, or its grant was revoked: videos end ready but not uploaded)."""
    if local_only or (channel_id == LOCAL_CHANNEL and status == "not_connected"):
        return "local"
    return "youtube" if status == "connected" else "nowhere"


@lru_cache(maxsize=8)
def discovery_document(api: str, version: str, root_url: str | None) -> str:
    """The bundled discovery document of ``api``/``version``, pointed at ``root_url`` if given."""
    doc = json.loads(get_static_doc(api, version))
    if root_url:
        doc["rootUrl"] = root_url.rstrip("/") + "/"
    return json.dumps(doc)


def client(api: str, version: str, credentials: Credentials, root_url: str | None,
           timeout_s: float) -> Any:
    """A google-api-python-client resource whose requests carry (and refresh) ``credentials``."""
    authed = google_auth_httplib2.AuthorizedHttp(credentials,
                                                 http=httplib2.Http(timeout=timeout_s))
    return build_from_document(discovery_document(api, version, root_url), http=authed)


def reason(exc: HttpError) -> str:
    """Google's machine-readable reason (``error.errors[0].reason``), or ''."""
    try:
        return str(json.loads(exc.content)["error"]["errors"][0]["reason"])
    except (ValueError, KeyError, IndexError, TypeError):
        return ""


def message(exc: HttpError) -> str:
    try:
        return str(json.loads(exc.content)["error"]["message"])[:300]
    except (ValueError, KeyError, TypeError):
        return str(exc.content[:300].decode(errors="replace"))
