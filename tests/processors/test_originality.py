"""The originality measure on pairs a person would and would not call the same script."""

from __future__ import annotations

import itertools

import msgspec
import pytest

from processors.discovery.offline import brainstorm
from processors.originality import SAME_SCRIPT, SIMILAR, narration, similarity
from processors.providers.script.offline import OfflineScriptWriter
from ytempire.core.records import Script
from ytempire.core.script_brief import ScriptRequest, angle_for

WRITER = OfflineScriptWriter()


def written(topic: str, video: str, seconds: int) -> Script:
    angle, variant = angle_for("owner", "channel", video)
    request = ScriptRequest(topic=topic, target_duration_s=seconds, angle=angle, variant=variant)
    return msgspec.convert(WRITER.write(request).script, Script)


def said(script: Script) -> str:
    return narration(script)


EXPLAINER = (
    "Volcanoes form where molten rock finds a way up through the crust. Deep underground, heat "
    "and pressure melt rock into magma, which is lighter than the rock around it and slowly "
    "rises. Most volcanoes sit where tectonic plates pull apart or dive under one another. At a "
    "subduction zone, water carried down with the sinking plate lowers the melting point of the "
    "mantle above it. The magma collects in a chamber, and when the pressure beats the strength "
    "of the rock above, it erupts, building the mountain layer by layer.")
MYTHS = (
    "Forget the lava lake in every crater: most volcanoes spend centuries asleep, and many never "
    "show a glowing pool at all. Another myth says volcanoes only happen near the equator, yet "
    "Iceland and Alaska are full of them. People also picture eruptions as sudden, but swarms "
    "of small earthquakes and swelling ground usually warn scientists weeks ahead. And no, "
    "throwing something into a crater will not set one off. The real trigger is pressure from "
    "magma rising underneath, something no offering can change.")
INTRO = "Welcome back to Deep Earth, where we explain the planet one question at a time. "
SIGN_OFF = " That's it for today. Subscribe to Deep Earth and ring the bell for the next one."
GLACIERS = (
    "Glaciers move because ice, under its own enormous weight, behaves like a very slow fluid. "
    "Snow piles up year after year and is squeezed into dense blue ice. Once the ice is thick "
    "enough, gravity pulls it downhill, and the crystals deep inside slide past one another. "
    "Meltwater at the base works like a lubricant, so in summer some glaciers speed up. Where "
    "the ice flows over a bump in the bed, it cracks at the surface into deep crevasses.")


def test_the_same_script_scores_at_or_above_the_threshold() -> None:
    long = written("How volcanoes form", "a", 180)
    reordered = msgspec.structs.replace(long, sections=list(reversed(long.sections)))
    other = written("How tides work", "b", 180)
    new_ends = msgspec.structs.replace(long, hook=other.hook, call_to_action=other.call_to_action,
                                       title="Volcanoes: The Truth")
    swapped = said(long).replace("how volcanoes form", "how glaciers move")
    assert swapped != said(long)
    pairs = {"a re-run": (said(long), said(long)),
             "sections reordered": (said(long), said(reordered)),
             "a new hook, call to action and title": (said(long), said(new_ends)),
             "another topic in the same words": (said(long), swapped)}
    scores = {name: similarity(*pair) for name, pair in pairs.items()}
    assert all(score >= SAME_SCRIPT for score in scores.values()), scores


def test_different_videos_score_below_the_threshold() -> None:
    branded = (INTRO + EXPLAINER + SIGN_OFF, INTRO + GLACIERS + SIGN_OFF)
    scores = {"the same brief from another angle": similarity(EXPLAINER, MYTHS),
              "a channel's intro and sign-off in common": similarity(*branded),
              "two subjects": similarity(EXPLAINER, GLACIERS)}
    assert all(score < SIMILAR for score in scores.values()), scores


@pytest.mark.parametrize("seconds", [15, 60, 180])
def test_the_offline_writers_scripts_on_different_topics_are_not_the_same(seconds: int) -> None:
    topics = brainstorm("volcanoes", "channel")[:12] + brainstorm("jazz", "channel")[:12]
    texts = [said(written(t, f"video-{i}", seconds)) for i, t in enumerate(topics)]
    worst = max(similarity(a, b) for a, b in itertools.combinations(texts, 2))
    assert worst < SAME_SCRIPT


@pytest.mark.parametrize("seconds", [30, 60, 180])
def test_the_offline_writer_given_one_brief_again_writes_another_script(seconds: int) -> None:
    """Each video's angle leads its script with its own section (the same brief again is
    another video); at 15 s there is room for little else, and repeats happen (see the
    module's docstring)."""
    texts = [said(written("Why owls hoot", f"video-{i}", seconds)) for i in range(12)]
    worst = max(similarity(a, b) for a, b in itertools.combinations(texts, 2))
    assert worst < SAME_SCRIPT


def test_nothing_in_common_scores_zero_and_a_copy_one() -> None:
    assert similarity(EXPLAINER, "") == 0.0
    assert similarity("Short words here", "Short words here") == 1.0
    assert similarity(EXPLAINER, EXPLAINER.upper()) == 1.0
