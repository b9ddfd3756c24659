"""Webhook signatures: HMAC-SHA256 over ``"<unix seconds>.<body>"``, sent as
``YTEmpire-Signature: t=<unix seconds>,v1=<hex>``; receivers refuse stale timestamps (replays).

While a secret is being rotated a header carries one ``v1`` per live secret (newest first), so
a receiver holding either secret accepts it. Headers are parsed strictly: ``t`` once, decimal
digits without a sign or leading zero; ``v1`` once or more, 64 hex digits; nothing else. A
header therefore has one spelling per signed message, and "what was signed" (``t`` and the
body) identifies a delivery whatever else an attacker varies.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Sequence

HEADER = "YTEmpire-Signature"
PART = re.compile(r"(t)=([1-9][0-9]{0,11})|(v1)=([0-9a-f]{64})")
MAX_SIGNATURES = 4


class BadSignature(ValueError):
    pass


class StaleSignature(BadSignature):
    """Well-formed, but signed outside the replay window: a replay, or the sender's clock."""


def _mac(secret: str, body: bytes, ts: int) -> str:
    return hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()


def sign(secret: str | Sequence[str], body: bytes, timestamp: int | None = None) -> str:
    """The header for ``body``: one ``v1`` per secret (a rotation's new and old secret)."""
    ts = int(time.time()) if timestamp is None else timestamp
    keys = [secret] if isinstance(secret, str) else list(secret)
    return ",".join([f"t={ts}", *(f"v1={_mac(key, body, ts)}" for key in keys)])


def parse(header: str) -> tuple[int, list[str]]:
    """``t`` and the ``v1`` signatures of a header; BadSignature for anything else in it."""
    ts: int | None = None
    macs: list[str] = []
    for item in header.split(","):
        match = PART.fullmatch(item)
        if match is None or (match.group(1) and ts is not None):
            raise BadSignature(f"malformed {HEADER} header; expected t=<unix>,v1=<hex>")
        if match.group(1):
            ts = int(match.group(2))
        else:
            macs.append(match.group(4))
    if ts is None or not macs or len(macs) > MAX_SIGNATURES:
        raise BadSignature(f"malformed {HEADER} header; expected t=<unix>,v1=<hex>")
    return ts, macs


def verify(secret: str, header: str, body: bytes, window_s: int = 300,
           now: float | None = None) -> int:
    """The signed timestamp; raises BadSignature unless one of ``header``'s signatures signs
    ``body`` with ``secret`` within the window."""
    ts, macs = parse(header)
    if abs((time.time() if now is None else now) - ts) > window_s:
        raise StaleSignature(f"timestamp outside the {window_s}s replay window; sign each "
                             "delivery when sending it, and check the sender's clock")
    expected = _mac(secret, body, ts)
    if not any(hmac.compare_digest(expected, mac) for mac in macs):
        raise BadSignature("signature does not match the body")
    return ts
