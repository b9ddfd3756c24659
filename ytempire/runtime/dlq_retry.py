"""Retry what landed in ``pipeline.dlq``: send an entry's original key and bytes back to its topic.

The record goes to the original topic with header ``ytempire-dlq-entry: <id>``, so every
consumer of that topic sees it again; that is safe because they are idempotent (stage caches by
input hash, the ledger and the analytics sink by event id). A retry is marked under
``<data_dir>/dlq/retried/`` (``dlq.mark_path``), keyed by the failed record's source topic,
partition and offset: a second retry of it (or of a duplicate entry the worker wrote when it
died before committing) is refused unless forced, while a retried record that fails again is a
new entry (new source offset) and can be retried in turn. Deployments whose processes run on
several hosts share ``data_dir`` (the compose file's ``/data`` volume).
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from confluent_kafka import Message, Producer

from ytempire.core.logging import get_logger
from ytempire.core.settings import Settings
from ytempire.runtime.dlq import (
    RETRY_HEADER,
    AlreadyRetried,
    DlqEntry,
    DlqError,
    DlqFilter,
    RetryMark,
    RetryOutcome,
    entries,
    get_entry,
    mark_path,
)

log = get_logger("ytempire.runtime.dlq")


def retry_entry(settings: Settings, entry_id: str, force: bool = False) -> RetryOutcome:
    """Send one entry's original bytes back to its topic; ``AlreadyRetried`` unless ``force``."""
    entry = get_entry(settings, entry_id)
    if entry.retried is not None and not force:
        raise AlreadyRetried(
            f"DLQ entry {entry.id} ({entry.source}) was retried at "
            f"{entry.retried.retried_at.isoformat()} as {entry.retried.topic}"
            f"[{entry.retried.partition}]@{entry.retried.offset}; pass --force to send it again")
    producer = _producer(settings)
    try:
        return _retry(settings, producer, entry, force)
    finally:
        producer.flush(10)


def retry_matching(settings: Settings, where: DlqFilter, force: bool = False) -> list[RetryOutcome]:
    """Retry every matching entry; already retried ones are skipped (reported) unless ``force``.

    Several entries for the same failed record (a worker that died before committing wrote it
    twice) are sent once.
    """
    outcomes: list[RetryOutcome] = []
    producer = _producer(settings)
    sent: set[Path] = set()
    try:
        for entry in entries(settings, where):
            path = mark_path(settings, entry)
            if entry.source_partition < 0:
                outcomes.append(RetryOutcome(entry.id, "skipped", "not a readable DLQ record"))
            elif path in sent:
                outcomes.append(RetryOutcome(entry.id, "skipped", "duplicate of an entry sent "
                                             "in this run"))
            elif entry.retried is not None and not force:
                outcomes.append(RetryOutcome(entry.id, "skipped", "already retried",
                                             entry.retried))
            else:
                outcomes.append(_retry(settings, producer, entry, force))
                sent.add(path)
    finally:
        producer.flush(10)
    return outcomes


def _producer(settings: Settings) -> Producer:
    return Producer({"bootstrap.servers": settings.kafka_bootstrap, "client.id": "ytempire.dlq",
                     "enable.idempotence": True, "acks": "all"})


def _retry(settings: Settings, producer: Producer, entry: DlqEntry, force: bool) -> RetryOutcome:
    if entry.source_partition < 0:
        raise DlqError(f"DLQ entry {entry.id} is not a record a worker wrote; nothing to retry")
    path = mark_path(settings, entry)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:  # claim it, so two operators retrying at once send it once
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | (0 if force else os.O_EXCL), 0o644)
        os.close(fd)
    except FileExistsError:
        raise AlreadyRetried(f"DLQ entry {entry.id} ({entry.source}) is being or was retried; "
                             "pass --force to send it again") from None
    delivered: list[Message] = []
    errors: list[str] = []

    def on_delivery(err: Any, msg: Message) -> None:
        (errors.append(str(err)) if err is not None else delivered.append(msg))

    try:
        producer.produce(entry.source_topic, value=entry.original_value, key=entry.original_key,
                         headers=[(RETRY_HEADER, entry.id.encode())], on_delivery=on_delivery)
        producer.flush(30)
        if errors or not delivered:
            raise DlqError(f"re-sending DLQ entry {entry.id} to {entry.source_topic} failed: "
                           f"{'; '.join(errors) or 'not acknowledged within 30 s'}")
    except BaseException:
        if not force:
            path.unlink(missing_ok=True)
        raise
    msg = delivered[0]
    mark = RetryMark(entry.id, datetime.now(UTC), msg.topic(), msg.partition(), msg.offset(),
                     force)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(mark.as_dict()))
    tmp.replace(path)
    log.info("dlq_retried", entry=entry.id, source=entry.source, stage=entry.stage,
             to=f"{mark.topic}[{mark.partition}]@{mark.offset}", forced=force)
    return RetryOutcome(entry.id, "retried", "", mark)
