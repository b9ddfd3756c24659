"""The offline script writer: a sized, varied script from a sentence bank, free and deterministic.

Sections are picked from a dozen kinds (what it is, why it matters, how it works, tips, common
mistakes, myths, ... and a recap), the first one the video's angle's own (``ANGLE_LEADS``: the
same brief again is told another way); within a section, points are chosen by a shuffle seeded from
the request and spoken in the bank's order, until the narration (hook + sections + call to
action) fills the target duration at ``WORDS_PER_MINUTE``. The same request always gives the
same script; no sentence is used twice in one script.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from processors.providers.script import WrittenScript
from processors.providers.script.limits import (
    TITLE_MAX_CHARS,
    count_words,
    fit_description,
    fit_tags,
    fit_title,
)
from processors.providers.script.offline_topic import Topic, capitalise
from ytempire.core.events import content_hash
from ytempire.core.pricing import Usage
from ytempire.core.script_brief import ANGLES, ScriptRequest
from ytempire.stage import PermanentError

BANKS = {"en": Path(__file__).with_name("bank_en.yaml")}

NARRATIVE_ORDER = ["what_it_is", "background", "why_it_matters", "how_it_works", "examples",
                   "tips", "common_mistakes", "myths", "faq", "resources", "future", "summary"]
CORE_KINDS = ["why_it_matters", "how_it_works", "tips", "common_mistakes", "examples"]
EXTRA_KINDS = ["background", "myths", "faq", "resources", "future"]
ANGLE_LEADS = dict(zip(ANGLES, ("what_it_is", "background", "myths", "examples", "tips", "faq",
                              "common_mistakes", "how_it_works"), strict=True))
"""The section each angle (``ytempire.core.script_brief.ANGLES``) leads with."""
TOPIC_REFERENCES = ["this topic", "the subject", "this subject"]
SHORT_FORM_CHARS = 24
MIN_SECTION_WORDS = 25  # an intro and one point


def _rank(seed: str, label: str, items: list[str]) -> list[str]:
    """A stable shuffle: the same seed and label always order the items the same way."""
    return sorted(items, key=lambda item: hashlib.sha256(
        f"{seed}\x1f{label}\x1f{item}".encode()).hexdigest())


@lru_cache(maxsize=4)
def _load_bank(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text())  # type: ignore[no-any-return]


def _duration_words(seconds: int) -> tuple[str, str]:
    """("60 Seconds", "60 seconds") or ("5 Minutes", "5 minutes") for titles and hooks."""
    if seconds < 90:
        return f"{seconds} Seconds", f"{seconds} seconds"
    minutes = round(seconds / 60)
    return f"{minutes} Minutes", f"{minutes} minutes"


@dataclass
class _Section:
    kind: str
    heading: str
    on_screen: str
    intro: str
    points: list[str] = field(default_factory=list)
    outro: str = ""


class _Draft:
    """One script being sized: choices are templates, rendering weaves the topic in."""

    def __init__(self, request: ScriptRequest, bank: dict[str, Any], style: str) -> None:
        self.request = request
        self.bank = bank
        self.style = bank["styles"][style]
        self.topic = Topic.parse(request.topic)
        self.seed = content_hash("offline-writer/1", request.topic, request.target_duration_s,
                                 request.language, style, request.format, request.angle,
                                 request.variant)
        self.duration_title, self.duration_phrase = _duration_words(request.target_duration_s)
        self.target = request.target_words
        self._sizes: dict[tuple[str, int], int] = {}

    def render(self, template: str, mention: int = 0) -> str:
        """Fill a template; ``mention`` > 0 swaps a long or repeated topic for a reference."""
        use_full = mention == 0 or (self.topic.is_short and mention % 2 == 0)
        topic = self.topic.phrase if use_full else TOPIC_REFERENCES[mention % 3]
        if template.startswith("{Title}"):
            template = "{TitleStart}" + template.removeprefix("{Title}")
        return template.format_map({
            "topic": topic, "Title": self.topic.title, "TitleStart": capitalise(self.topic.title),
            "short": self.topic.short,
            "duration": self.duration_title, "duration_phrase": self.duration_phrase,
        })

    def words(self, template: str, mention: int = 1) -> int:
        key = (template, mention)
        if key not in self._sizes:
            self._sizes[key] = count_words(self.render(template, mention))
        return self._sizes[key]

    def pick(self, label: str, templates: list[str], limit: float, mention: int = 0) -> str:
        """The first template in seeded order whose rendering fits ``limit`` words (the topic's
        own words not counted), preferring those that name the topic; else the shortest. A
        script too short to name its topic would be the same words whatever the topic."""
        ranked = _rank(self.seed, label, templates)
        ranked.sort(key=lambda t: "{topic}" not in t)
        named = count_words(self.topic.phrase) if mention == 0 else 0
        for template in ranked:
            if self.words(template, mention) - named * ("{topic}" in template) <= limit:
                return template
        return min(ranked, key=lambda t: self.words(t, mention))

    def build(self) -> dict[str, Any]:
        hook = self.pick("hook", self.style["hooks"], max(11, 0.3 * self.target))
        cta = self.pick("cta", self.style["ctas"], max(6, 0.12 * self.target))
        fixed = self.words(hook, 0) + self.words(cta, 0)
        remaining = max(self.target - fixed, 0)
        count = min(round(math.sqrt(remaining / 15)), int(remaining // MIN_SECTION_WORDS))
        count = min(max(count, 1), len(NARRATIVE_ORDER))
        kinds = self._choose_kinds(count)
        agenda = ""
        if len(kinds) >= 3 and self.target >= 250:
            agenda = self._agenda(kinds)
            remaining -= count_words(agenda)
        weights = [0.5 if k == "summary" else 1.0 for k in kinds]
        sections = [self._fill(kind, remaining * w / sum(weights))
                    for kind, w in zip(kinds, weights, strict=True)]
        self._balance(sections, fixed + count_words(agenda))
        return self._script(hook, agenda, sections, cta)

    def _choose_kinds(self, count: int) -> list[str]:
        """The angle's own section first (a short script has room for nothing else), then
        "what it is" and a seeded mix of the others."""
        lead = ANGLE_LEADS.get(self.request.angle, "what_it_is")
        pool = (_rank(self.seed, "core", CORE_KINDS) + _rank(self.seed, "extra", EXTRA_KINDS))
        chosen = [lead] + (["summary"] if count >= 4 else [])
        chosen += [k for k in ["what_it_is", *pool] if k not in chosen][:count - len(chosen)]
        return sorted(chosen, key=NARRATIVE_ORDER.index)

    def _agenda(self, kinds: list[str]) -> str:
        phrases = [p for p in (self.bank["kinds"][k]["agenda"] for k in kinds) if p]
        if len(phrases) > 4:
            phrases = phrases[:4] + ["much more"]
        listed = (" and ".join(phrases) if len(phrases) == 2
                  else ", ".join(phrases[:-1]) + ", and " + phrases[-1])
        template = _rank(self.seed, "agenda", self.bank["agenda"])[0]
        return template.format(agenda=listed)

    def _fill(self, kind: str, budget: float) -> _Section:
        """A section near ``budget`` words: an intro, at least one point, an outro if room."""
        spec = self.bank["kinds"][kind]
        section = _Section(
            kind=kind,
            heading=self._label(f"heading:{kind}", spec["headings"]),
            on_screen=self._label(f"screen:{kind}", spec["on_screen"]),
            intro=self.pick(f"intro:{kind}", spec["intros"], budget / 2, mention=0))
        used = float(self.words(section.intro, 0))
        ranked = _rank(self.seed, f"points:{kind}", spec["points"])
        section.points.append(min(ranked, key=lambda p: abs(budget - used - self.words(p))))
        used += self.words(section.points[0])
        for point in ranked:
            size = self.words(point)
            if point not in section.points and abs(budget - used - size) < abs(budget - used):
                section.points.append(point)
                used += size
        outro = _rank(self.seed, f"outro:{kind}", spec["outros"])[0]
        if abs(budget - used - self.words(outro)) < abs(budget - used):
            section.outro = outro
        return section

    def _label(self, label: str, templates: list[str]) -> str:
        usable = [t for t in templates if "{short}" not in t
                  or len(self.topic.short) <= SHORT_FORM_CHARS]
        return self.render(_rank(self.seed, label, usable)[0]).strip()

    def _balance(self, sections: list[_Section], fixed: int) -> None:
        """Add, drop or swap single points while that brings the narration closer to the target
        (every section keeps at least one point)."""
        def total() -> int:
            return fixed + sum(self._section_words(s) for s in sections)

        current = total()
        for _ in range(200):
            gap = self.target - current
            best: tuple[int, str, _Section, str | None, str | None] | None = None
            for section in sections:
                unused = [p for p in self.bank["kinds"][section.kind]["points"]
                          if p not in section.points]
                moves = [(None, p) for p in unused] + [(q, p) for q in section.points
                                                        for p in unused]
                if len(section.points) > 1:
                    moves += [(q, None) for q in section.points]
                for out, into in moves:
                    delta = (self.words(into) if into else 0) - (self.words(out) if out else 0)
                    option = (abs(gap - delta), f"{out}|{into}", section, out, into)
                    if best is None or option[:2] < best[:2]:
                        best = option
            if best is None or best[0] >= abs(gap):
                return
            _, _, section, out, into = best
            if out:
                section.points.remove(out)
            if into:
                section.points.append(into)
            after = total()
            if abs(self.target - after) >= abs(gap):
                if into:
                    section.points.remove(into)
                if out:
                    section.points.append(out)
                return
            current = after

    def _section_words(self, section: _Section) -> int:
        return count_words(self._narration(section))

    def _narration(self, section: _Section) -> str:
        order = self.bank["kinds"][section.kind]["points"]
        points = sorted(section.points, key=order.index)
        parts = [section.intro, *points] + ([section.outro] if section.outro else [])
        return " ".join(self.render(t, mention=i) for i, t in enumerate(parts))

    def _script(self, hook: str, agenda: str, sections: list[_Section], cta: str) -> dict[str, Any]:
        hook_text = " ".join(filter(None, [self.render(hook), agenda]))
        cta_text = self.render(cta)
        narrations = [self._narration(s) for s in sections]
        keywords = self.topic.keywords[:3]
        return {
            "title": self._title(),
            "hook": hook_text,
            "sections": [{
                "heading": s.heading,
                "narration": text,
                "on_screen_text": s.on_screen,
                "keywords": list(dict.fromkeys(keywords + self.bank["kinds"][s.kind]["keywords"])),
            } for s, text in zip(sections, narrations, strict=True)],
            "call_to_action": cta_text,
            "description": self._description(hook, sections, cta_text),
            "tags": self._tags(),
            "word_count": count_words(" ".join([hook_text, *narrations, cta_text])),
            "language": "en",
        }

    def _title(self) -> str:
        for template in _rank(self.seed, "title", self.style["titles"]):
            title = " ".join(self.render(template).split())
            if len(title) <= TITLE_MAX_CHARS:
                return title
        return fit_title(capitalise(self.topic.title))

    def _description(self, hook: str, sections: list[_Section], cta: str) -> str:
        desc = self.bank["description"]
        lines = [self.render(hook), "", self.render(_rank(self.seed, "desc", desc["intros"])[0]),
                 "", "In this video:"]
        lines += [f"• {s.heading}" for s in sections]
        lines += ["", self.render(_rank(self.seed, "close", desc["closers"])[0])]
        if any(s.kind == "summary" for s in sections):
            lines.append(desc["recap_note"])
        lines += [cta, "", " ".join(self._hashtags())]
        return fit_description("\n".join(lines))

    def _hashtags(self) -> list[str]:
        words = [w for w in self.topic.keywords if w.isalnum()]
        tags = ["#" + "".join(w.capitalize() for w in words[:3])] if words else []
        if self.request.format == "SHORTS":
            tags.append("#Shorts")
        return tags

    def _tags(self) -> list[str]:
        short = self.topic.short.lower()
        words = self.topic.keywords
        candidates = [short, self.topic.phrase.lower(), f"{short} explained",
                      f"{short} for beginners",
                      *(f"{short} {extra}" for extra in ("guide", "tips") if extra not in short),
                      *words,
                      *(f"{a} {b}" for a, b in zip(words, words[1:], strict=False)),
                      "explained", "how it works", "education", "learn", "guide", "basics"]
        if self.request.format == "SHORTS":
            candidates.append("shorts")
        return fit_tags(candidates)


def normalise_language(language: str) -> str:
    """"en-US", "EN_gb" and "en" all mean English to the offline writer."""
    return re.split(r"[-_]", language.strip().lower(), maxsplit=1)[0]


def estimate_tokens(script: dict[str, Any]) -> int:
    """About four characters per token, the usual rule of thumb for English text."""
    texts = [script["title"], script["hook"], script["call_to_action"], script["description"],
             *script["tags"]]
    for section in script["sections"]:
        texts += [section["heading"], section["narration"], section["on_screen_text"],
                  *section["keywords"]]
    return max(1, math.ceil(sum(len(t) for t in texts) / 4))


class OfflineScriptWriter:
    """Free, deterministic, English-only; the default when no model provider is configured.

    Styles: informative (the default, also for styles it does not know), casual, energetic,
    plus the aliases listed in the bank (educational, funny, ...)."""

    provider = "offline"
    model = "template-writer"
    name = f"{provider}/{model}"

    def __init__(self, banks: dict[str, Path] | None = None) -> None:
        self.banks = banks or BANKS

    @property
    def languages(self) -> list[str]:
        return sorted(self.banks)

    def write(self, request: ScriptRequest) -> WrittenScript:
        language = normalise_language(request.language)
        if language not in self.banks:
            raise PermanentError(
                f"the offline script writer writes {', '.join(self.languages)} only, not "
                f"{request.language!r}; request language 'en' or configure a model provider")
        bank = _load_bank(self.banks[language])
        style = request.style.strip().lower()
        style = bank["style_aliases"].get(style, style)
        if style not in bank["styles"]:
            style = "informative"
        script = _Draft(request, bank, style).build()
        usage = [Usage(self.provider, self.model, "tokens_out", estimate_tokens(script))]
        return WrittenScript(script=script, writer=self.name, usage=usage)
