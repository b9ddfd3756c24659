"""The offline topic source: a deterministic brainstorm within a niche, free and account-less,
so a channel given only a schedule still gets topics. Each idea is one facet of the niche
("Unsolved mysteries of <niche>"): facets share no content words, so two ideas are never near
duplicates of each other, and a channel runs out only after ``len(FACETS)`` videos."""

from __future__ import annotations

import zlib

FACETS = (
    "The surprising origins of {niche}", "Unsolved mysteries of {niche}",
    "Common myths about {niche} debunked", "Forgotten inventions in {niche}",
    "Famous rivalries of {niche}", "Biggest mistakes ever made in {niche}",
    "Record breakers of {niche}", "Turning points that shaped {niche}",
    "Unsung heroes of {niche}", "Strange laws and rules around {niche}",
    "Hidden costs behind {niche}", "What experts get wrong about {niche}",
    "Beginner questions on {niche} answered", "Future predictions for {niche}",
    "Numbers that explain {niche}", "Tools and techniques behind {niche}",
    "Legends and folklore of {niche}", "Disasters that changed {niche}",
    "Daily life inside {niche}", "Weird science of {niche}",
    "Scandals that rocked {niche}", "Lost treasures of {niche}",
    "Rules of thumb for {niche}", "Villains and tricksters of {niche}",
    "Children's questions about {niche}", "Tiny details hiding in {niche}",
    "Comebacks and second chances in {niche}", "Money and economics of {niche}",
    "Maps and journeys across {niche}", "Animals connected to {niche}",
)


def brainstorm(niche: str, seed: str) -> list[str]:
    """Every facet of ``niche``, in an order fixed by ``seed`` (the channel), so two channels in
    one niche do not walk the list in step."""
    start = zlib.crc32(seed.encode()) % len(FACETS)
    order = FACETS[start:] + FACETS[:start]
    return [facet.format(niche=niche.strip()) for facet in order]
