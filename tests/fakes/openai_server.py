"""``FakeOpenAI``: a local server speaking the OpenAI REST API closely enough for the ``openai``
client, with fault injection and call counting.

Endpoints: ``POST /v1/chat/completions`` (plain text, or structured output: with
``response_format={"type": "json_schema", ...}`` the answer is JSON valid against the schema the
request sent, its narration sized to the "N words" the prompt asks for), ``POST /v1/moderations``
(flags any input containing ``flag_word``), ``POST /v1/audio/speech`` (real speech from espeak-ng,
encoded as the request's ``response_format``) and ``POST /v1/images/generations`` (a PNG of the
requested size as ``b64_json``, with ``usage``).

Usage is deterministic and recorded per served request in ``.usage`` (speech also records the
true word timings of the audio it returned) (``prompt_tokens`` =
characters of all message contents / 4 rounded up + 4 per message + 3; ``completion_tokens`` =
characters of the answer / 4 rounded up), so tests can compute expected costs from what the fake
actually billed. ``synthesize``/``encode_audio`` are shared with the ElevenLabs fake.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import math
import re
import struct
import subprocess
import time
import wave
import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np

from tests.fakes.service import FakeService, Handler, Reply


def estimate_tokens(text: str) -> int:
    """The fake's token count: one token per four characters, rounded up."""
    return math.ceil(len(text) / 4)


MODERATION_CATEGORIES = [
    "harassment", "harassment/threatening", "hate", "hate/threatening", "illicit",
    "illicit/violent", "self-harm", "self-harm/instructions", "self-harm/intent", "sexual",
    "sexual/minors", "violence", "violence/graphic",
]
FILLER = ("people often overlook the simple details that make a real difference here and "
          "a little practice turns those details into habits worth keeping every day").split()
NARRATED = {"hook": 0.08, "call_to_action": 0.06}
SHORT_STRINGS = {"title": 6, "heading": 4, "on_screen_text": 5}


class FakeOpenAI(FakeService):
    """``with FakeOpenAI(api_key="sk-test") as fake: OpenAI(base_url=fake.url, api_key=...)``.

    ``api_key`` (if given) must arrive as the bearer token, else 401. ``flag_word``: moderation
    flags inputs containing it (category ``flag_category``). ``failing_models`` maps a model
    to a status it always answers (say ``{"gpt-4o": 503}``), for tier fallback tests;
``garble_next`` cuts that many structured answers in half (served and billed, unusable).
    ``broken`` holds answers outside the documented contract, served (and billed) as 200s:
    ``moderations.fewer_results`` (one result short), ``moderations.missing_flagged``,
    ``audio.speech.empty`` (no audio bytes), ``images.undecodable`` (base64 of a non-image),
    and structured chat answers ``chat.cut_short`` (``finish_reason: length``, half the JSON),
    ``chat.missing_field`` (no ``hook``), ``chat.wrong_type`` (``sections`` a string),
    ``chat.no_sections`` (an empty list).
    """

    prefix = "/v1"

    def __init__(self, api_key: str | None = None, flag_word: str = "forbidden",
                 flag_category: str = "violence") -> None:
        super().__init__()
        self.api_key = api_key
        self.flag_word = flag_word.lower()
        self.flag_category = flag_category
        self.failing_models: dict[str, int] = {}
        self.garble_next = 0  # chat answers cut in half (billed, but not valid JSON)
        self.quota_exhausted = False  # every call: 429 insufficient_quota, as OpenAI answers
        self.broken: set[str] = set()  # out-of-contract 200 answers (see the class docstring)
        self.usage: list[dict[str, Any]] = []
        self._seq = 0
        self.route("POST", "/chat/completions", "chat.completions", self._guard(self._chat))
        self.route("POST", "/moderations", "moderations", self._guard(self._moderations))
        self.route("POST", "/audio/speech", "audio.speech", self._guard(self._speech))
        self.route("POST", "/images/generations", "images.generations", self._guard(self._images))
        self.route("GET", "/models", "models", self._guard(self._models))

    def __enter__(self) -> FakeOpenAI:
        super().__enter__()
        return self

    def _guard(self, handler: Handler) -> Handler:
        def guarded(body: dict[str, Any], headers: dict[str, str]) -> Reply:
            if self.api_key and headers.get("authorization") != f"Bearer {self.api_key}":
                return Reply(401, self.error_body(401))
            if self.quota_exhausted:
                return Reply(429, {"error": {
                    "message": "You exceeded your current quota, please check your plan and "
                               "billing details.", "type": "insufficient_quota", "param": None,
                    "code": "insufficient_quota"}})
            status = self.failing_models.get(str(body.get("model")))
            if status:
                return Reply(status, self.error_body(status))
            return handler(body, headers)
        return guarded

    def _record(self, endpoint: str, **usage: Any) -> str:
        with self.lock:
            self._seq += 1
            self.usage.append({"endpoint": endpoint, **usage})
            return f"{endpoint.split('.')[0][:8]}-fake-{self._seq}"

    def usage_of(self, endpoint: str) -> list[dict[str, Any]]:
        with self.lock:
            return [u for u in self.usage if u["endpoint"] == endpoint]

    # chat ----------------------------------------------------------------------------------
    def _chat(self, body: dict[str, Any], _: dict[str, str]) -> Reply:
        messages = body.get("messages") or []
        texts = [m["content"] if isinstance(m.get("content"), str) else json.dumps(m.get("content"))
                 for m in messages]
        prompt = "\n".join(texts)
        fmt = body.get("response_format") or {}
        cut = fmt.get("type") == "json_schema" and "chat.cut_short" in self.broken
        if fmt.get("type") == "json_schema":
            schema = fmt["json_schema"]["schema"]
            content = json.dumps(self._spoilt(ScriptFiller(prompt).fill(schema, schema)))
            with self.lock:
                garble, self.garble_next = self.garble_next > 0, max(self.garble_next - 1, 0)
            content = content[: len(content) // 2] if garble or cut else content
        else:
            content = " ".join(ScriptFiller(prompt).words(40))
        prompt_tokens = sum(estimate_tokens(t) + 4 for t in texts) + 3
        completion_tokens = estimate_tokens(content)
        model = str(body.get("model"))
        ident = self._record("chat.completions", model=model, prompt_tokens=prompt_tokens,
                             completion_tokens=completion_tokens)
        return Reply(200, {
            "id": f"chatcmpl-{ident}", "object": "chat.completion", "created": int(time.time()),
            "model": model, "system_fingerprint": "fp_fake",
            "choices": [{"index": 0, "finish_reason": "length" if cut else "stop",
                         "logprobs": None,
                         "message": {"role": "assistant", "content": content, "refusal": None}}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                      "total_tokens": prompt_tokens + completion_tokens},
        })

    def _spoilt(self, script: dict[str, Any]) -> dict[str, Any]:
        """The structured answer as ``broken`` spoils it (a field gone, a wrong type...)."""
        if "chat.missing_field" in self.broken:
            script.pop("hook", None)
        if "chat.wrong_type" in self.broken:
            script["sections"] = "one long section"
        if "chat.no_sections" in self.broken:
            script["sections"] = []
        return script

    # moderation ----------------------------------------------------------------------------
    def _moderations(self, body: dict[str, Any], _: dict[str, str]) -> Reply:
        inputs = body.get("input")
        items = inputs if isinstance(inputs, list) else [inputs]
        texts = [i if isinstance(i, str) else str(i.get("text", "")) for i in items]
        results = []
        for text in texts:
            flagged = self.flag_word in text.lower()
            results.append({
                "flagged": flagged,
                "categories": {c: flagged and c == self.flag_category
                               for c in MODERATION_CATEGORIES},
                "category_scores": {c: 0.97 if flagged and c == self.flag_category else 0.001
                                    for c in MODERATION_CATEGORIES},
                "category_applied_input_types": {c: ["text"] for c in MODERATION_CATEGORIES},
            })
        if "moderations.fewer_results" in self.broken:
            results = results[:-1]
        if "moderations.missing_flagged" in self.broken:
            results = [{k: v for k, v in r.items() if k != "flagged"} for r in results]
        model = str(body.get("model") or "omni-moderation-latest")
        ident = self._record("moderations", model=model, inputs=len(texts),
                             characters=sum(len(t) for t in texts))
        return Reply(200, {"id": f"modr-{ident}", "model": model, "results": results})

    # speech --------------------------------------------------------------------------------
    def _speech(self, body: dict[str, Any], _: dict[str, str]) -> Reply:
        text = str(body.get("input") or "")
        if len(text) > 4096:
            return Reply(400, {"error": {"message": "string too long: input is limited to 4096 "
                                         "characters", "type": "invalid_request_error",
                                         "param": "input", "code": "string_above_max_length"}})
        fmt = str(body.get("response_format") or "mp3")
        speech = synthesize(text, sample_rate=24_000, speed=float(body.get("speed") or 1.0))
        data, media_type = encode_audio(speech.pcm, 24_000, fmt)
        self._record("audio.speech", model=str(body.get("model")), characters=len(text),
                     voice=body.get("voice"), format=fmt, words=speech.words)
        if "audio.speech.empty" in self.broken:
            data = b""
        return Reply(200, data, content_type=media_type)

    # images --------------------------------------------------------------------------------
    def _images(self, body: dict[str, Any], _: dict[str, str]) -> Reply:
        size = str(body.get("size") or "auto")
        width, height = (1024, 1024) if size == "auto" else map(int, size.split("x"))
        n = int(body.get("n") or 1)
        prompt = str(body.get("prompt") or "")
        images = [png_gradient(width, height, f"{prompt}\x1f{i}") for i in range(n)]
        if "images.undecodable" in self.broken:
            images = [b"not an image" for _ in images]
        tokens_in = estimate_tokens(prompt)
        model = str(body.get("model") or "dall-e-2")
        self._record("images.generations", model=model, images=n, size=f"{width}x{height}",
                     prompt_tokens=tokens_in)
        return Reply(200, {
            "created": int(time.time()),
            "data": [{"b64_json": base64.b64encode(png).decode(), "revised_prompt": prompt}
                     for png in images],
            "size": f"{width}x{height}", "quality": body.get("quality") or "medium",
            "output_format": "png", "background": "opaque",
            "usage": {"input_tokens": tokens_in, "output_tokens": 1056 * n,
                      "total_tokens": tokens_in + 1056 * n,
                      "input_tokens_details": {"text_tokens": tokens_in, "image_tokens": 0}},
        })

    def _models(self, _: dict[str, Any], __: dict[str, str]) -> Reply:
        names = ["gpt-4o", "gpt-4o-mini", "omni-moderation-latest", "tts-1", "gpt-image-1"]
        return Reply(200, {"object": "list", "data": [
            {"id": m, "object": "model", "created": 0, "owned_by": "fake"} for m in names]})


class ScriptFiller:
    """Fills any JSON schema with deterministic prose drawn from the prompt's "Topic:" line.

    Strings named like the narrated parts of a script (``narration``, ``hook``,
    ``call_to_action``) share the "N words" the prompt asks for (default 150); titles and
    headings are short; other strings are one sentence; arrays get ``minItems`` items, at least
    one, and arrays of objects one item per 60 requested words (at least 3).
    """

    def __init__(self, prompt: str) -> None:
        topic = re.search(r"Topic:\s*(.+)", prompt)
        self.topic = (topic.group(1) if topic else " ".join(prompt.split()[:6])).strip()
        words = re.search(r"(\d+)\s+words", prompt)
        self.target = int(words.group(1)) if words else 150
        self.sections = max(3, round(self.target / 60))
        narration_share = 1 - sum(NARRATED.values())
        self.section_words = max(12, round(self.target * narration_share / self.sections))
        self._n = 0

    def words(self, count: int) -> list[str]:
        """``count`` words: the topic first, then filler, in sentences of about 12 words."""
        out: list[str] = []
        topic = self.topic.split()
        while len(out) < count:
            self._n += 1
            sentence = [*topic, *FILLER[self._n % 7: self._n % 7 + 10]][: max(count - len(out), 1)]
            sentence[-1] = sentence[-1].rstrip(".") + "."
            out.extend(sentence)
        return out[:count]

    def _string(self, name: str) -> str:
        if name in NARRATED:
            return " ".join(self.words(max(6, round(self.target * NARRATED[name]))))
        if name == "narration":
            return " ".join(self.words(self.section_words))
        if name in SHORT_STRINGS:
            return " ".join(self.words(SHORT_STRINGS[name])).rstrip(".").title()
        if name == "language":
            return "en"
        return " ".join(self.words(14))

    def fill(self, node: dict[str, Any], root: dict[str, Any], name: str = "") -> Any:
        if "$ref" in node:
            return self.fill(_deref(node, root), root, name)
        for key in ("anyOf", "oneOf"):
            if key in node:
                options = [o for o in node[key] if o.get("type") != "null"] or node[key]
                return self.fill(options[0], root, name)
        if "enum" in node:
            return node["enum"][0]
        kind = node.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), "null")
        if kind == "object":
            props = node.get("properties") or {}
            return {key: self.fill(sub, root, key) for key, sub in props.items()}
        if kind == "array":
            items = node.get("items") or {"type": "string"}
            count = max(int(node.get("minItems", 1)), 1)
            if _deref(items, root).get("type") == "object":
                count = max(count, self.sections)
            if name in ("keywords", "tags"):
                words = {w.strip(".,").lower() for w in self.topic.split()} | {"tips", "guide"}
                return sorted(words)[: max(count, 3)]
            count = min(count, int(node.get("maxItems", count)))
            return [self.fill(items, root, name) for _ in range(count)]
        if kind == "integer":
            return self.target if name == "word_count" else 1
        if kind == "number":
            return 1.0
        if kind == "boolean":
            return True
        if kind == "null":
            return None
        return self._string(name)


def _deref(node: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    """``node`` itself, or the definition its local ``$ref`` points at."""
    if "$ref" not in node:
        return node
    defs = root.get("$defs") or root.get("definitions") or {}
    return defs[node["$ref"].split("/")[-1]]  # type: ignore[no-any-return]


def png_gradient(width: int, height: int, seed: str) -> bytes:
    """A valid RGB PNG: a diagonal two-colour gradient whose colours come from ``seed``."""
    digest = hashlib.sha256(seed.encode()).digest()
    a, b = digest[:3], digest[3:6]
    rows = bytearray()
    for y in range(height):
        t = y / max(height - 1, 1)
        colour = bytes(int(a[i] * (1 - t) + b[i] * t) for i in range(3))
        rows += b"\x00" + colour * width

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(bytes(rows), 6)) + chunk(b"IEND", b""))


@dataclass(frozen=True)
class FakeSpeech:
    """Mono s16le PCM and each written word's (word, start_s, end_s)."""

    pcm: bytes
    sample_rate: int
    words: list[tuple[str, float, float]]


def synthesize(text: str, sample_rate: int, speed: float = 1.0) -> FakeSpeech:
    """Real speech from espeak-ng (the project's offline voice) resampled to ``sample_rate``;
    a 220 Hz tone per word if espeak cannot run here."""
    try:
        from processors.providers.voice.espeak import EspeakVoice

        spoken = EspeakVoice(words_per_minute=round(150 * speed)).speak(text, "en")
        pcm, rate = spoken.pcm, spoken.sample_rate
        words = [(w.word, w.start_s, w.end_s) for w in spoken.words]
    except Exception:  # noqa: BLE001 - any engine trouble: fall back to tones
        rate, chunks, words, t = 22_050, [], [], 0.0
        for word in text.split():
            tone = np.sin(2 * np.pi * 220 * np.arange(int(0.3 * rate)) / rate) * 8000
            chunks.append(np.concatenate([tone, np.zeros(int(0.1 * rate))]))
            words.append((word, t, t + 0.3))
            t += 0.4
        pcm = np.concatenate(chunks or [np.zeros(rate // 10)]).astype("<i2").tobytes()
    return FakeSpeech(resample(pcm, rate, sample_rate), sample_rate, words)


def resample(pcm: bytes, rate: int, target: int) -> bytes:
    """Linear-interpolation resampling of s16le mono (good enough for a test double)."""
    if rate == target or not pcm:
        return pcm
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    count = round(len(samples) * target / rate)
    positions = np.arange(count) * rate / target
    return np.interp(positions, np.arange(len(samples)), samples).astype("<i2").tobytes()


FFMPEG_FORMATS = {"mp3": ("mp3", "libmp3lame", "audio/mpeg"),
                  "opus": ("ogg", "libopus", "audio/ogg"),
                  "aac": ("adts", "aac", "audio/aac"),
                  "flac": ("flac", "flac", "audio/flac")}


def encode_audio(pcm: bytes, rate: int, fmt: str) -> tuple[bytes, str]:
    """``pcm`` (s16le mono) as ``fmt``: pcm, wav, or mp3/opus/aac/flac through ffmpeg."""
    if fmt == "pcm":
        return pcm, "audio/pcm"
    if fmt == "wav":
        out = io.BytesIO()
        with wave.open(out, "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(rate)
            wav.writeframes(pcm)
        return out.getvalue(), "audio/wav"
    from ytempire.core.media import ffmpeg_exe

    container, codec, media_type = FFMPEG_FORMATS[fmt]
    out_rate = 48_000 if codec == "libopus" else rate
    proc = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-f", "s16le", "-ar", str(rate),
         "-ac", "1", "-i", "pipe:0", "-ar", str(out_rate), "-c:a", codec, "-f", container,
         "pipe:1"], input=pcm, capture_output=True, check=True, timeout=60)
    return proc.stdout, media_type
