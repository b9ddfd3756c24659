"""The gateway's way to Kafka: ``RequestPublisher`` sends video requests and cancellations,
``Outbox`` re-sends what the broker did not acknowledge in time."""

from __future__ import annotations

import threading
from collections.abc import Sequence

from sqlalchemy.orm import Session, sessionmaker

from gateway import approvals, channel_events, idempotency, videos
from ytempire.core.codec import Codec
from ytempire.core.events import Emit
from ytempire.core.kafka import DeliveryFailed, EventProducer
from ytempire.core.logging import get_logger

log = get_logger()


class RequestPublisher:
    """Sends events to Kafka for the gateway; the producer is created on first use."""

    def __init__(self, bootstrap: str, codec: Codec, timeout_s: float) -> None:
        self._bootstrap, self._codec, self.timeout_s = bootstrap, codec, timeout_s
        self._producer: EventProducer | None = None
        self._lock = threading.Lock()

    def _get(self) -> EventProducer:
        with self._lock:
            if self._producer is None:
                # A record not acknowledged within the timeout is left to the outbox, so
                # librdkafka need not keep it longer (and closing never waits for it).
                timeout_ms = max(1000, int(self.timeout_s * 1000))
                self._producer = EventProducer(self._bootstrap, self._codec,
                                               client_id="ytempire.gateway",
                                               extra={"message.timeout.ms": timeout_ms})
            return self._producer

    def send(self, emits: Sequence[Emit]) -> bool:
        """True when the broker acknowledged every record within the timeout."""
        try:
            self._get().send_all(emits, timeout=self.timeout_s)
        except DeliveryFailed:
            return False
        return True

    def abandon(self) -> None:
        """At shutdown: stop waiting for acknowledgements. Every unacknowledged record is still
        flagged in the database and sent again after the restart."""
        if self._producer is not None:
            self._producer.purge()

    def close(self) -> None:
        if self._producer is not None:
            self._producer.close(5)


class Outbox:
    """Re-sends video requests, cancellations and approvals the broker did not acknowledge in
    time, and sends changed channels (``channel.updated``), every few seconds or at once when
    kicked; deletes expired idempotency records as it goes."""

    def __init__(self, sessions: sessionmaker[Session], publisher: RequestPublisher,
                 codec: Codec, every_s: float = 10.0) -> None:
        self._sessions, self._publisher, self._every = sessions, publisher, every_s
        self._codec = codec
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name="gateway-outbox", daemon=True)
        self._thread.start()

    def kick(self) -> None:
        """Run soon (a channel changed), without making the request wait for the broker."""
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self._every)
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                with self._sessions() as db:
                    channel_events.resend_pending(db, self._publisher)
                    videos.resend_stale(db, self._publisher)
                    videos.resend_stale_cancellations(db, self._publisher)
                    approvals.resend_stale(db, self._publisher, self._codec)
                    idempotency.expire(db)
            except Exception:
                log.exception("outbox.resend_failed")

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(10)
