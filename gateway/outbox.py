"""Sends ``script.requested`` to Kafka for the gateway, created on first use."""

from __future__ import annotations

import threading
from collections.abc import Sequence

from ytempire.core.codec import Codec
from ytempire.core.events import Emit
from ytempire.core.kafka import DeliveryFailed, EventProducer


class RequestPublisher:
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
