"""The sink's stored-id check: which event ids of a batch ``events`` holds already.

The ids reach ClickHouse as data, not as query text: as a 20,000-id string literal they cost
~70 ms per batch before the lookup began (clickhouse-connect scans the query text with regular
expressions, then ClickHouse's SQL parser reads the literal), against ~25 ms for the lookup.
With chdb they are written to a file that the query reads with ``file()`` (same process, same
machine); a ClickHouse server gets them as the query's external data (a temporary table).

The check has a client of its own: it runs beside the writer's insert, and neither a chdb handle
(a lock per handle) nor a server session (one query at a time) takes two queries at once.
"""

from __future__ import annotations

import os
import tempfile
import threading
from pathlib import Path

from clickhouse_connect.driver.external import ExternalData

from analytics.store import chdb_path, connect

TSV_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n"})
QUERY = ("SELECT event_id FROM events WHERE _topic = {topic:String} "
         "AND event_id IN (SELECT event_id FROM %s)")


def tsv(ids: set[str]) -> bytes:
    """One id per line, escaped as ClickHouse's TSV reads it (ids are rarely anything but
    hex and dashes, so the escaping pass runs only when needed)."""
    text = "\n".join(ids)
    if "\\" in text or "\t" in text or text.count("\n") != len(ids) - 1:
        text = "\n".join(event_id.translate(TSV_ESCAPES) for event_id in ids)
    return text.encode()


class StoredIds:
    """``lookup(topic, ids)`` -> the ids already in ``events``; one round trip by primary key."""

    def __init__(self, dsn: str) -> None:
        self.client = connect(dsn)
        self._local = chdb_path(dsn) is not None
        self._lock = threading.Lock()
        self._dir = Path(tempfile.mkdtemp(prefix="ytempire-sink-ids-")) if self._local else None

    def lookup(self, topic: str, ids: set[str]) -> set[str]:
        if not ids:
            return set()
        data = tsv(ids)
        with self._lock:
            if self._dir is not None:
                path = self._dir / "ids.tsv"
                path.write_bytes(data)
                source = f"file('{path}', TSV, 'event_id String')"
                result = self.client.query(QUERY % source, parameters={"topic": topic})
            else:
                ids_table = ExternalData(data=data, file_name="ids", fmt="TSV",
                                         structure="event_id String")
                result = self.client.query(QUERY % "ids", parameters={"topic": topic},
                                           external_data=ids_table)
        return {row[0] for row in result.result_rows}

    def close(self) -> None:
        self.client.close()
        if self._dir is not None:
            for path in self._dir.iterdir():
                path.unlink(missing_ok=True)
            os.rmdir(self._dir)
