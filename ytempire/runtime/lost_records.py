"""A watch for records the Kafka client handed to Faust that never reached the stage.

``faust_fixes`` closes the two ways this was seen to happen (a restarted stage with tables lost
records and could stop fetching for good, with nothing logged). Faust still drops fetched
records without seeking back in other places (``Consumer.getmany`` stops mid-batch when the
flow or the consumer generation changes), so this watch stays as a net, and says when it
catches something.

Every ``CHECK_EVERY_S`` the watch compares, for each input partition, the client's position
with the committed offset. A partition that is behind with nothing in flight, unchanged over
two checks in a row, has lost records: the watch seeks the consumer back to the committed
offsets (Faust's own recovery from a stopped flow), so they are fetched and processed again.
A record handled twice is safe: stages are idempotent by event id.
"""

from __future__ import annotations

from typing import Any

import faust

from ytempire.core.logging import get_logger

log = get_logger("ytempire.runtime.lost_records")

CHECK_EVERY_S = 5.0


class LostRecordsWatch:
    def __init__(self, app: faust.App) -> None:
        self.app = app
        self._behind: dict[Any, tuple[int, int]] = {}  # partition -> (committed, position)

    async def check(self) -> None:
        """One look; seeks back when the same partitions were found stuck the time before."""
        behind = await self._partitions_behind()
        stuck = {tp: offsets for tp, offsets in behind.items() if self._behind.get(tp) == offsets}
        self._behind = behind
        if not stuck:
            return
        log.warning("lost_records_refetched", partitions={
            f"{tp.topic}/{tp.partition}": {"committed": c, "fetched_to": p}
            for tp, (c, p) in stuck.items()})
        await self.app.consumer.perform_seek()
        self._behind = {}

    async def _partitions_behind(self) -> dict[Any, tuple[int, int]]:
        """Input partitions whose client position is past the committed offset while nothing
        is in flight; empty whenever that cannot be judged (a rebalance, a recovery, a pause)."""
        app = self.app
        consumer: Any = app.consumer
        if (app.rebalancing or app.in_recovery or not consumer.flow_active
                or consumer._unacked_messages):
            return {}
        behind = {}
        for tp in consumer.assignment():
            if consumer._is_changelog_tp(tp):
                continue
            committed = consumer._committed_offset.get(tp) or 0  # Faust keeps 0 as None
            position = await consumer.position(tp)
            if position is not None and position > committed:
                behind[tp] = (committed, position)
        if consumer._unacked_messages:  # a record arrived while we looked
            return {}
        return behind


def watch_lost_records(app: faust.App) -> LostRecordsWatch:
    """Starts the watch as one of ``app``'s timers."""
    watch = LostRecordsWatch(app)

    async def look() -> None:
        try:
            await watch.check()
        except Exception as exc:  # a watch must never take the worker down
            log.warning("lost_records_check_failed", error=repr(exc))

    app.timer(interval=CHECK_EVERY_S, name="ytempire.lost_records")(look)
    return watch
