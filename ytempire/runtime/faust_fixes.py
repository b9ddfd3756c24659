"""Two fixes to faust-streaming 0.15.3 that kept a restarted stage with tables from working.

What went wrong: a scheduler worker restarted while ticks arrived could drop a run of them (and
act on later ticks first) or stop fetching for good, with nothing logged. The Kafka client had
handed the records out (its position was at the end of the partition) but Faust never delivered
them. Two faults in Faust meet at the end of a table recovery:

1. **An empty partition set means "all partitions".** Faust asks the client for records of its
   active partitions by passing its live set of them, from another thread. When recovery
   pauses the changelogs, that set can become empty while the request waits, and the client
   reads an empty set as "no filter": it hands out the records it had prefetched for the still
   paused input partitions, Faust drops them as not active, and nothing fetches them again.
   ``SnapshotFetchThread`` passes a copy of the set and asks for nothing when it is empty.
2. **Streams resumed before they are sought.** ``Recovery.on_recovery_completed`` resumes the
   input partitions, then seeks them to their committed offsets, so records fetched in between
   are processed from the old position and the seek then rewinds the read offset under them:
   later records are dropped as already read, or Faust's gap tracking skips records it never
   delivered. ``SeekFirstRecovery`` seeks while the partitions are still paused, then resumes
   them (faust-streaming PR #217 made the same change to ``Recovery._resume_streams``).

``StageApp`` is ``faust.App`` with both. ``tests/processors/test_scheduler_worker.py`` kills the
scheduler and sends two days of ticks while it recovers; without these it lost ticks in about
half the runs on this machine.
"""

from __future__ import annotations

import asyncio
from typing import Any, cast

import faust
from faust.tables import TableManager
from faust.tables.recovery import Recovery
from faust.transport.drivers import aiokafka as faust_aiokafka


class SnapshotFetchThread(faust_aiokafka.AIOKafkaConsumerThread):
    """Asks for a copy of the active partitions, and for nothing when there are none (a stage
    is never a client-only app, the one case where Faust means "all" by no set)."""

    async def _fetch_records(self, consumer: Any, active_partitions: Any,
                             timeout: float | None = None,
                             max_records: int | None = None) -> Any:
        partitions = set(active_partitions or ())
        if not partitions:
            return {}
        return await super()._fetch_records(consumer, partitions, timeout, max_records)


class SnapshotFetchConsumer(faust_aiokafka.Consumer):
    def _new_consumer_thread(self) -> faust_aiokafka.AIOKafkaConsumerThread:
        return SnapshotFetchThread(self, loop=self.loop, beacon=self.beacon)


class SnapshotFetchTransport(faust_aiokafka.Transport):
    Consumer = SnapshotFetchConsumer


class SeekFirstRecovery(Recovery):
    """Faust's ``on_recovery_completed`` with the seek moved before the resume."""

    async def on_recovery_completed(self, generation_id: int = 0) -> None:
        consumer = self.app.consumer
        self.log.info("Restore complete!")
        await self.app.on_rebalance_complete.send()
        self._set_recovery_ended()
        completions = [asyncio.ensure_future(table.on_recovery_completed(
            self.actives_for_table[table], self.standbys_for_table[table]))
            for table in self.tables.values()]
        if completions:
            await asyncio.wait(completions)
        if self.app.consumer_generation_id != generation_id:
            self.log.warning(f"Recovery rebalancing again app id "
                             f"{self.app.consumer_generation_id} param {generation_id}")
            return
        assignment = consumer.assignment()
        if assignment:
            self.log.info("Seek stream partitions to committed offsets.")
            await self._wait(consumer.perform_seek(),
                             timeout=self.app.conf.broker_request_timeout)
        consumer.resume_partitions({tp for tp in assignment if not self._is_changelog_tp(tp)})
        self.completed.set()
        self.app.flow_control.resume()
        consumer.resume_flow()
        await cast(Any, self.app)._fetcher.maybe_start()
        self.tables.on_actives_ready()
        if not self.app.assignor.assigned_standbys():
            self.tables.on_standbys_ready()
        self.app.on_rebalance_end()
        self.log.info("Worker ready")


class SeekFirstTableManager(TableManager):
    @property
    def recovery(self) -> Recovery:
        if self._recovery is None:
            self._recovery = SeekFirstRecovery(self.app, self, beacon=self.beacon,
                                               loop=self.loop)
        return self._recovery


class StageApp(faust.App):
    """``faust.App`` with both fixes; takes the same arguments."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, TableManager=SeekFirstTableManager, **kwargs)

    def _new_transport(self) -> Any:
        return SnapshotFetchTransport(self.conf.broker_consumer, self)
