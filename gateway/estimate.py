"""Cost estimate of a requested video, priced from the dated price table before any work.

Quantities follow the local default providers (offline writer, espeak-ng, generated cards,
ffmpeg, blocklist, local channel) from the target duration at ~150 spoken words a minute.
"""

from __future__ import annotations

from decimal import Decimal

from ytempire.core.pricing import current_table

WORDS_PER_SECOND = 2.5
CALLS = [  # provider, model, unit, quantity per spoken word (or per video when per_word is False)
    ("offline", "template-writer", "tokens_out", 1.35, True),
    ("espeak-ng", "espeak-ng", "characters", 6.0, True),
    ("generated", "title-card", "images", 0.08, True),
    ("ffmpeg", "libx264", "seconds", 1 / WORDS_PER_SECOND, True),
    ("blocklist", "blocklist", "characters", 6.0, True),
    ("local-channel", "folder", "requests", 1.0, False),
]


def estimate_usd(target_duration_s: int) -> Decimal:
    table = current_table()
    words = target_duration_s * WORDS_PER_SECOND
    total = Decimal("0")
    for provider, model, unit, per, per_word in CALLS:
        total += table.price(provider, model, unit, round(per * words if per_word else per, 3))
    return total.quantize(Decimal("0.000001"))
