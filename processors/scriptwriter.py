"""scriptwriter: ``script.requested`` -> ``script.ready`` (+ ``cost.incurred`` per usage).

Validates the request, asks the configured ``ScriptWriter`` for a script, holds every writer's
output to YouTube's limits (title, description, tags) and recounts the narrated words. Each
video gets its own angle and variant (``angle_for``: owner, channel, video), so two videos never
share a script, not even the same brief on two channels or twice on one. Scripts are cached by
the normalised brief with its angle and variant (the prompt is a pure function of it) and the
writer's model: a redelivered request gets the identical ``script.ready`` and never pays the
writer twice.

A paid writer comes in two tiers: premium, unless the video's cost so far plus the premium
call's projected cost would pass its budget, or the premium call fails after the client's own
retries; then economy. A policy checker (moderation), when configured, reads the script before
it moves on; a flagged script ends the video with ``pipeline.failed`` (the categories found,
not retryable) next to the costs of writing and checking it.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any, cast

import msgspec

from processors.providers import ProviderContractError
from processors.providers.openai_client import openai_client
from processors.providers.policy import PolicyChecker, PolicyVerdict
from processors.providers.policy.blocklist import BlocklistChecker
from processors.providers.policy.openai_moderation import OpenAIModeration
from processors.providers.script import PricedScriptWriter, ScriptWriter, WrittenScript
from processors.providers.script.limits import count_words, fit_description, fit_tags, fit_title
from processors.providers.script.offline import OfflineScriptWriter
from processors.providers.script.openai_writer import OpenAIScriptWriter
from ytempire.core.cache import ResultCache
from ytempire.core.events import (
    Emit,
    content_hash,
    cost_events,
    cost_so_far,
    derive_envelope,
    failed_event,
    plain,
)
from ytempire.core.logging import get_logger
from ytempire.core.pricing import Usage, bill, current_table
from ytempire.core.records import Envelope, Script, ScriptReady, ScriptRequested, VideoSpec
from ytempire.core.script_brief import MAX_DURATION_S, MIN_DURATION_S, ScriptRequest, angle_for
from ytempire.core.settings import Settings
from ytempire.core.spend import SpendJournal, spend_events
from ytempire.stage import PermanentError, StageSpec, TransientError

log = get_logger("ytempire.scriptwriter")

NAME = "scriptwriter"
OUTPUT_TOPIC = "script.ready"
VERSION = "4"  # bump when the same request should now get a different script (keys the cache)
MAX_TOPIC_CHARS = 200


def validate(request: ScriptRequest) -> ScriptRequest:
    """Refuse briefs no writer can ever satisfy, with a message that says what to change."""
    if not any(c.isalnum() for c in request.topic):
        raise PermanentError(f"topic {request.topic!r} has no words; give the video a subject")
    if len(request.topic) > MAX_TOPIC_CHARS:
        raise PermanentError(f"topic is {len(request.topic)} characters; keep it to "
                             f"{MAX_TOPIC_CHARS} (it is spoken and becomes the title)")
    if not MIN_DURATION_S <= request.target_duration_s <= MAX_DURATION_S:
        raise PermanentError(f"target_duration_s={request.target_duration_s} is outside "
                             f"{MIN_DURATION_S}..{MAX_DURATION_S} seconds")
    return request


def hold_to_limits(script: Script) -> Script:
    """The script with YouTube's metadata limits enforced and the narrated words recounted."""
    narrated = [script.hook, *(s.narration for s in script.sections), script.call_to_action]
    return msgspec.structs.replace(
        script,
        title=fit_title(script.title),
        description=fit_description(script.description),
        tags=fit_tags(list(script.tags)),
        word_count=count_words(" ".join(narrated)),
    )


def moderated_texts(script: Script) -> dict[str, str]:
    """Everything a viewer reads or hears, by field, as the policy checker sees it."""
    sections = script.sections
    return {
        "title": script.title,
        "description": script.description,
        "tags": ", ".join(script.tags),
        "hook": script.hook,
        "narration": "\n".join(s.narration for s in sections),
        "on_screen_text": "\n".join(s.on_screen_text for s in sections),
        "call_to_action": script.call_to_action,
    }


def merged(usage: list[Usage]) -> list[Usage]:
    """One usage per provider, model and unit (one cost event each), quantities summed."""
    totals: dict[tuple[str, str, str], float] = {}
    for use in usage:
        key = (use.provider, use.model, use.unit)
        totals[key] = totals.get(key, 0) + use.quantity
    return [Usage(*key, quantity) for key, quantity in totals.items()]


class ScriptWriterStage:
    """The scriptwriter stage around a ``ScriptWriter`` (and, for paid writers, its economy
    tier and a policy checker). Every provider answer is recorded in ``journal`` as it comes,
    and the written script is kept before moderation reads it, so a failure after a paid call
    bills the call (the runner sends the journal with ``pipeline.failed``) and a retry reuses
    the script instead of paying for it again."""

    spec = StageSpec(name=NAME, inputs=("script.requested",),
                     outputs=(OUTPUT_TOPIC, "cost.incurred", "pipeline.failed"))

    def __init__(self, writer: ScriptWriter, cache: ResultCache, journal: SpendJournal, *,
                 economy: ScriptWriter | None = None,
                 moderator: PolicyChecker | None = None) -> None:
        self.writer = writer
        self.cache = cache
        self.journal = journal
        self.economy = economy
        self.moderator = moderator

    def handle(self, event: ScriptRequested) -> list[Emit]:
        envelope, spec = event.envelope, event.spec
        angle, variant = angle_for(envelope.owner_id, envelope.channel_id, envelope.video_id)
        request = replace(validate(ScriptRequest.from_spec(spec)), angle=angle, variant=variant)
        writer, fallback = self._tiers(request, envelope, spec)
        key = content_hash(NAME, VERSION, writer.name, request)
        input_id = envelope.event_id
        result, paid = self.cache.once(
            key, input_id, lambda: self._write(request, writer, fallback, key, input_id))
        if paid:
            costs = spend_events(envelope, self.journal)
            spent_usd = self.journal.usd(input_id)
        else:
            costs = cost_events(envelope, stage=NAME, billed=result, paid=False, call_key=key)
            spent_usd = Decimal(0)
        if result.get("refused"):
            # Not raised: the runner would bill the same journal, but this says why it ended.
            refusal = PermanentError(f"script refused by {result['refused']}")
            return [failed_event(envelope, stage=NAME, input_topic=self.spec.input_topic,
                                 error=refusal, retryable=False, spent=spent_usd), *costs]
        ready = ScriptReady(
            envelope=derive_envelope(envelope, NAME, OUTPUT_TOPIC, spent=spent_usd),
            spec=spec,
            script=msgspec.convert(result["script"], Script),
            writer=result["writer"],
            fallbacks=result.get("fallbacks", []),
        )
        return [Emit(OUTPUT_TOPIC, ready), *costs]

    def _tiers(self, request: ScriptRequest, envelope: Envelope, spec: VideoSpec
               ) -> tuple[ScriptWriter, ScriptWriter | None]:
        """The writer to ask and the one to fall back on when it fails."""
        if self.economy is None:
            return self.writer, None
        table = current_table()
        premium = cast(PricedScriptWriter, self.writer)  # build pairs an economy tier with one
        projected = sum((table.price(u.provider, u.model, u.unit, u.quantity)
                         for u in premium.quote(request)), Decimal(0))
        so_far, budget = cost_so_far(envelope), spec.budget_usd
        if so_far + projected > budget:
            log.info("stepping down to the economy tier", writer=self.economy.name,
                     projected_usd=str(projected), cost_so_far_usd=str(so_far),
                     budget_usd=str(budget))
            return self.economy, None
        return self.writer, self.economy

    def _write(self, request: ScriptRequest, writer: ScriptWriter,
               fallback: ScriptWriter | None, key: str, input_id: str) -> dict[str, Any]:
        """Write (or reuse the script kept under ``key``), then moderate."""
        kept = self.cache.get(f"{key}.written")
        if kept is None:
            written, fallbacks = self._write_once(request, writer, fallback, input_id)
            kept = {"script": written.script, "writer": written.writer,
                    "usage": [u.as_json() for u in written.usage], "fallbacks": fallbacks}
            self.cache.put(f"{key}.written", kept)
        usage = [Usage.from_json(u) for u in kept["usage"]]
        fallbacks = list(kept.get("fallbacks", []))
        script = hold_to_limits(msgspec.convert(kept["script"], Script))
        refused = None
        if self.moderator is not None:
            verdict = self._moderate(script, input_id)
            usage += verdict.usage
            if verdict.checker != self.moderator.name:
                fallbacks.append(f"{self.moderator.name} answered outside its contract twice: "
                                 f"{verdict.checker} checked the script instead")
            if verdict.flagged:
                refused = f"{verdict.checker}: " + "; ".join(f.describe() for f in verdict.findings)
                log.warning("script refused by policy", checker=verdict.checker,
                            categories=sorted({f.category for f in verdict.findings}))
        log.info("script written", writer=kept["writer"], words=script.word_count,
                 target_words=request.target_words, sections=len(script.sections))
        return {"script": plain(script), "writer": kept["writer"], "refused": refused,
                "fallbacks": fallbacks, **bill(merged(usage))}

    def _call(self, input_id: str, kind: str) -> str:
        """A new name for the next paid call of this event (its journal entry)."""
        return f"{kind}#{len(self.journal.calls(input_id))}"

    def _write_once(self, request: ScriptRequest, writer: ScriptWriter,
                    fallback: ScriptWriter | None, input_id: str
                    ) -> tuple[WrittenScript, list[str]]:
        """``writer``'s script; when it fails (an answer outside its contract: asked twice) the
        economy tier writes it, logged and said in the fallbacks; when that fails too, the
        runner retries."""
        try:
            return self._ask_twice(writer, request, input_id), []
        except (TransientError, PermanentError) as exc:
            if fallback is None:
                raise
            log.warning("writer failed, falling back to the economy tier", writer=writer.name,
                        economy=fallback.name, error_type=type(exc).__name__, error=str(exc))
            why = f"{writer.name} failed ({type(exc).__name__}: {exc})"[:400]
        return self._ask_twice(fallback, request, input_id), [f"{why}: {fallback.name} wrote it"]

    def _ask_twice(self, writer: ScriptWriter, request: ScriptRequest, input_id: str
                   ) -> WrittenScript:
        """One call, and one more when the first answer broke the provider's contract."""
        try:
            return self._ask(writer, request, input_id)
        except ProviderContractError as exc:
            log.warning("script answer broke its contract, asking again", writer=writer.name,
                        provider=exc.provider, call=exc.call, field=exc.field, error=str(exc))
        return self._ask(writer, request, input_id)

    def _ask(self, writer: ScriptWriter, request: ScriptRequest, input_id: str) -> WrittenScript:
        """One call, recorded in the journal as soon as it answers, usable or not."""
        call = self._call(input_id, writer.name)
        try:
            written = writer.write(request)
        except ProviderContractError as exc:
            self.journal.record(input_id, call, exc.usage)
            raise
        self.journal.record(input_id, call, written.usage)
        return written

    def _moderate(self, script: Script, input_id: str) -> PolicyVerdict:
        """The moderator's verdict; an answer outside its contract is asked once more, then
        the blocklist decides (logged), so a broken moderation endpoint never stops videos."""
        assert self.moderator is not None
        texts = moderated_texts(script)
        for attempt in (1, 2):
            try:
                verdict = self.moderator.check(texts)
            except ProviderContractError as exc:
                self.journal.record(input_id, self._call(input_id, "moderation"), exc.usage)
                log.warning("moderation answer broke its contract", attempt=attempt,
                            provider=exc.provider, call=exc.call, field=exc.field,
                            error=str(exc))
                continue
            self.journal.record(input_id, self._call(input_id, "moderation"), verdict.usage)
            return verdict
        log.warning("moderation falls back to the blocklist", checker=BlocklistChecker.provider)
        verdict = BlocklistChecker().check(texts)
        self.journal.record(input_id, self._call(input_id, "moderation"), verdict.usage)
        return verdict


def build(settings: Settings) -> ScriptWriterStage:
    """OpenAI (premium and economy models, moderation) when an API key is set, else the offline
    writer. ``YTEMPIRE_MODERATION_MODEL=""`` skips moderation on servers without it."""
    cache = ResultCache(settings.data_dir / "cache", NAME)
    journal = SpendJournal(settings.data_dir, NAME)
    if settings.openai_api_key is None:
        return ScriptWriterStage(writer=OfflineScriptWriter(), cache=cache, journal=journal)
    client = openai_client(settings)
    premium = OpenAIScriptWriter(client, settings.script_model_premium)
    economy = (OpenAIScriptWriter(client, settings.script_model_economy)
               if settings.script_model_economy != settings.script_model_premium else None)
    moderator = (OpenAIModeration(client, settings.moderation_model)
                 if settings.moderation_model else None)
    return ScriptWriterStage(writer=premium, cache=cache, journal=journal, economy=economy,
                             moderator=moderator)
