"""Request -> upload.done for one offline video, stage by stage, through a real broker.

Run: .venv/bin/python tests/benchmarks/bench_pipeline.py [--duration 60]
Prints numbers; asserts nothing. Starts its own broker on free ports under a temp dir.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from tests.conftest import local_broker
from ytempire.app.stack import Stack
from ytempire.app.tracker import Tracker
from ytempire.core import topic_sync
from ytempire.core.codec import Codec
from ytempire.core.kafka import EventProducer
from ytempire.core.logging import configure
from ytempire.core.requests import VideoRequest, request_event
from ytempire.core.schema_registry import SchemaRegistry
from ytempire.core.settings import PROJECT_ROOT, Settings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument("--format", default="16:9")
    args = parser.parse_args()
    configure("console", "warning")
    with tempfile.TemporaryDirectory() as tmp:
        broker = local_broker(Path(tmp) / "kafka")
        t0 = time.monotonic()
        broker.start(timeout=180, die_with_parent=True)
        broker_s = time.monotonic() - t0
        topic_sync.apply_file(broker.bootstrap, PROJECT_ROOT / "topics.yaml")
        settings = Settings(data_dir=Path(tmp) / "data", kafka_bootstrap=broker.bootstrap)
        stack = Stack(settings)
        try:
            stack.start(with_broker=False)
            codec = Codec(SchemaRegistry.load(settings.schemas_dir))
            tracker = Tracker(settings.kafka_bootstrap, codec)
            producer = EventProducer(settings.kafka_bootstrap, codec)
            # Warm-up: let every worker join its group before the clock starts.
            warm = request_event(VideoRequest(topic="Warm up", target_duration_s=15))
            tracker.watch([warm.value.envelope.video_id])
            producer.send_all([warm])
            tracker.wait(600)
            emit = request_event(
                VideoRequest(
                    topic="How honeybees make honey",
                    format=args.format,
                    target_duration_s=args.duration,
                )
            )
            vid = emit.value.envelope.video_id
            tracker.watch([vid])
            tracker.videos[vid].requested_at = time.monotonic()
            producer.send_all([emit])
            tracker.wait(900)
            video = tracker.videos[vid]
            assembled = video.events.get("video.assembled", {})
            report = {
                "broker_start_s": round(broker_s, 2),
                "video_duration_s": round(assembled.get("duration_s", 0), 2),
                "status": video.status,
                "request_to_upload_done_s": round(
                    video.reached["upload.done"] - video.requested_at, 2
                )
                if "upload.done" in video.reached
                else None,
                "stage_seconds": {k: round(v, 2) for k, v in video.stage_seconds().items()},
                "render_seconds": round(assembled.get("render_seconds", 0), 2),
                "render_x_realtime": round(assembled["duration_s"] / assembled["render_seconds"], 2)
                if assembled.get("render_seconds")
                else None,
            }
            print(json.dumps(report, indent=2))
            tracker.close()
        finally:
            stack.stop()
            broker.stop()


if __name__ == "__main__":
    main()
