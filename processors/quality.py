"""quality: ``video.assembled`` -> ``quality.scored`` (+ ``cost.incurred``).

The score is the sum of weighted checks (``processors.quality_checks``: ``WEIGHTS``, 100 in
all) over the script, the audio, the picture, the metadata and policy; ``reasons`` says where
points went. The media is measured in one ffmpeg pass over the rendered MP4 (what viewers get):
blackdetect and freezedetect on the picture, silencedetect, astats and ebur128 on the sound.

Some defects make a video unpublishable however well the rest scores: a policy finding, the
wrong resolution for the requested format, a mostly black picture, a missing or mostly silent
soundtrack, a script that repeats one of the channel's recent ones (``processors.originality``).
These are *critical*: the video fails regardless of the threshold and its score is capped at
``CRITICAL_CAP``, so the number never looks better than the verdict.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from processors.analysis import analyse
from processors.originality import TABLES, RecentScripts
from processors.providers.policy import PolicyChecker
from processors.providers.policy.blocklist import BlocklistChecker
from processors.quality_checks import (
    Check,
    audio_checks,
    caption_cues,
    metadata_checks,
    originality_check,
    policy_check,
    script_checks,
    verdict_of,
    video_checks,
)
from ytempire.core.artifacts import ArtifactStore
from ytempire.core.cache import ResultCache
from ytempire.core.events import (
    Emit,
    content_hash,
    cost_events,
    derive_envelope,
    plain,
    spent,
)
from ytempire.core.logging import get_logger
from ytempire.core.pricing import Usage, bill
from ytempire.core.records import Artifact, QualityScored, VideoAssembled
from ytempire.core.settings import Settings
from ytempire.stage import MemoryState, PermanentError, StageSpec, State

log = get_logger("ytempire.quality")

NAME = "quality"
OUTPUT_TOPIC = "quality.scored"
VERSION = "3"  # bump when the same video would now score differently (keys the cache)
ANALYSIS = ("ffmpeg", "analysis")
class QualityStage:
    """The quality gate; ``policy`` checks the words, ffmpeg measures the media, ``state``
    (its tables, set by the runner) holds each channel's recent approved scripts."""

    spec = StageSpec(name=NAME, inputs=("video.assembled",),
                     outputs=(OUTPUT_TOPIC, "cost.incurred"), tables=TABLES)

    def __init__(self, policy: PolicyChecker, store: ArtifactStore, cache: ResultCache,
                 state: State | None = None) -> None:
        self.policy = policy
        self.store = store
        self.cache = cache
        self.state = state or MemoryState(TABLES)

    def handle(self, event: VideoAssembled) -> list[Emit]:
        envelope, spec, script = event.envelope, event.spec, event.script
        key = content_hash(NAME, VERSION, self.policy.name, event.video.sha256,
                           event.captions.sha256, event.thumbnail.sha256, plain(script),
                           spec.format, spec.target_duration_s, event.narration_duration_s)
        result, paid = self.cache.once(key, envelope.event_id, lambda: self._score(event))
        recent = RecentScripts(self.state)
        checks = [Check(**c) for c in result["checks"]]
        checks.insert(4, originality_check(recent.check(envelope, script)))
        threshold = spec.quality_threshold
        score, passed, reasons = verdict_of(checks, threshold)
        if passed:
            recent.remember(envelope, script)
        scored = QualityScored(
            envelope=derive_envelope(envelope, NAME, OUTPUT_TOPIC, spent=spent(result, paid)),
            spec=spec,
            script=script,
            video=event.video,
            thumbnail=event.thumbnail,
            duration_s=result["duration_s"],
            width=result["width"],
            height=result["height"],
            score=score,
            threshold=threshold,
            passed=passed,
            checks=[c.record() for c in checks],
            reasons=reasons,
        )
        costs = cost_events(envelope, stage=NAME, billed=result, paid=paid, call_key=key)
        return [Emit(OUTPUT_TOPIC, scored), *costs]

    def _score(self, event: VideoAssembled) -> dict[str, Any]:
        spec, script = event.spec, event.script
        video = self._local(event.video, "video")
        report = analyse(video)
        captions = self._local(event.captions, "captions").read_text(errors="replace")
        texts = {"title": script.title, "description": script.description,
                 "tags": ", ".join(script.tags), "hook": script.hook,
                 "call_to_action": script.call_to_action}
        for i, section in enumerate(script.sections, 1):
            texts[f"section {i}"] = " ".join([section.heading, section.narration,
                                               section.on_screen_text])
        verdict = self.policy.check(texts)
        narration_s = float(event.narration_duration_s)
        checks = [*script_checks(script, spec, narration_s), *audio_checks(report),
                  *video_checks(report, spec, narration_s, caption_cues(captions)),
                  *metadata_checks(script, self._local(event.thumbnail, "thumbnail")),
                  policy_check(verdict)]
        usage = [Usage(*ANALYSIS, "seconds", round(report.info.duration_s, 3)), *verdict.usage]
        log.info("video scored", points=round(sum(c.score for c in checks), 1),
                 lost=[c.reason for c in checks if c.reason])
        return {
            "checks": [{**plain(c.record()), "reason": c.reason, "critical": c.critical}
                       for c in checks],
            "duration_s": report.info.duration_s,
            "width": report.info.width,
            "height": report.info.height,
            **bill(usage),
        }

    def _local(self, artifact: Artifact, what: str) -> Path:
        path = self.store.path(artifact)
        if not path.exists():
            raise PermanentError(f"the {what} artifact {artifact.uri} is missing from the "
                                 "artifact store; re-run the assembler for this video")
        return path


def build(settings: Settings) -> QualityStage:
    """The quality gate with the offline policy blocklist and the local artifact store."""
    return QualityStage(policy=BlocklistChecker(), store=ArtifactStore(settings.artifacts_dir),
                        cache=ResultCache(settings.data_dir / "cache", NAME))
