"""Webhook signatures: HMAC-SHA256 over ``"<unix seconds>.<body>"``, sent as
``YTEmpire-Signature: t=<unix seconds>,v1=<hex>``; receivers refuse stale timestamps (replays).
"""

from __future__ import annotations

import hashlib
import hmac
import time

HEADER = "YTEmpire-Signature"


class BadSignature(ValueError):
    pass


class StaleSignature(BadSignature):
    """Well-formed, but signed outside the replay window: a replay, or the sender's clock."""


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    ts = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={ts},v1={mac}"


def verify(secret: str, header: str, body: bytes, window_s: int = 300,
           now: float | None = None) -> None:
    """Raise BadSignature unless ``header`` signs ``body`` with ``secret`` within the window."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        ts = int(parts["t"])
    except (ValueError, KeyError):
        raise BadSignature(f"malformed {HEADER} header; expected t=<unix>,v1=<hex>") from None
    if abs((time.time() if now is None else now) - ts) > window_s:
        raise StaleSignature(f"timestamp outside the {window_s}s replay window; sign each "
                             "delivery when sending it, and check the sender's clock")
    expected = sign(secret, body, ts).split("v1=", 1)[1]
    if not hmac.compare_digest(expected, parts.get("v1", "")):
        raise BadSignature("signature does not match the body")
