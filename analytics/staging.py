"""Letting ClickHouse decode the Avro: a run of records as one container block into a Null table.

Python decoding and re-encoding (fastavro, Decimals, datetimes, JSON, the client's column
serialization) was two thirds of the sink's CPU. For a topic with a staging table (a Null table
whose comment reads ``avro <topic> <writer fingerprint>``, see migrations/0009 and 0010), the
sink only reads each record's event id from its first bytes (for the duplicate checks), wraps
each record as ``{_partition, _offset_le, _keep, _frame (its header), event, _check_le}`` and
inserts the run as one Avro container block; the table's views check every record and write
those to keep into ``events`` (the envelope) and the topic's typed table (the body). A run of
another writer, a bad header or a refused insert is left to the Python path
(``analytics.decode``), which names the bad records for the DLQ.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from clickhouse_connect.driver.client import Client

from analytics.decode import avro_long, container_header, leading_string
from ytempire.core.codec import HEADER_LEN, MAGIC
from ytempire.core.schema_registry import SchemaRegistry

# The view's JSON as the Python path writes it: decimals as exact strings, ISO 8601 times; the
# dedup token of the insert reaches `events` through the view; the views below `events` run side
# by side (a quarter less wall time on two cores).
INSERT_SETTINGS = {
    "deduplicate_blocks_in_dependent_materialized_views": 1,
    "parallel_view_processing": 1,
    "output_format_json_quote_decimals": 1,
    "output_format_decimal_trailing_zeros": 1,
    "date_time_output_format": "iso",
}

KEEP = {True: b"\x01", False: b"\x00"}


@dataclass(frozen=True)
class StagingTable:
    table: str
    topic: str
    fingerprint: bytes
    header: bytes
    sync: bytes

    def block(self, records: list[tuple[int, int, bytes, bool]]) -> bytes:
        """The container (header, one block) of ``(partition, offset, framed value, keep)``."""
        parts = {}
        pieces: list[bytes] = []
        for partition, offset, value, keep in records:
            part = parts.get(partition)
            if part is None:
                part = parts[partition] = avro_long(partition)
            check = offset.to_bytes(8, "little")
            pieces += (part, check, KEEP[keep], value, check)
        data = b"".join(pieces)
        return self.header + avro_long(len(records)) + avro_long(len(data)) + data + self.sync


class Staging:
    """The staging tables of a ClickHouse database, by topic."""

    def __init__(self, client: Client, registry: SchemaRegistry) -> None:
        self.client = client
        self.tables: dict[str, StagingTable] = {}
        rows = client.query(
            "SELECT name, comment FROM system.tables WHERE database = currentDatabase() "
            "AND engine = 'Null' AND startsWith(comment, 'avro ')").result_rows
        for name, comment in rows:
            _, topic, fingerprint_hex = comment.split()
            writer = registry.by_fingerprint.get(bytes.fromhex(fingerprint_hex))
            if writer is None or writer.topic != topic:
                continue
            self.tables[topic] = _staging_table(name, topic, writer.fingerprint, writer.schema)

    def for_run(self, topic: str, values: list[bytes]) -> StagingTable | None:
        """The table for ``values`` when every one is a sound frame of the staged writer."""
        table = self.tables.get(topic)
        if table is None:
            return None
        head = MAGIC + table.fingerprint
        for value in values:
            if not value or len(value) <= HEADER_LEN or value[:HEADER_LEN] != head:
                return None
        return table

    def insert(self, table: StagingTable, block: bytes, token: str) -> None:
        """``block`` (``table.block(records)``): every record is read and checked, those with
        ``keep`` set are written."""
        self.client.raw_insert(table.table, insert_block=block, fmt="Avro",
                               settings={**INSERT_SETTINGS, "insert_deduplication_token": token})


def event_ids(values: list[bytes]) -> list[str] | None:
    """Each framed value's event id, read from its first bytes; None when one cannot be read.

    An id shorter than 64 bytes (a UUID is 36) has its length in one byte: read inline."""
    ids = []
    start = HEADER_LEN + 1
    try:
        for value in values:
            length = value[HEADER_LEN]
            if length & 0x81 or start + (length >> 1) > len(value):  # long, negative or cut
                ids.append(leading_string(value[HEADER_LEN:]))
            else:
                ids.append(value[start:start + (length >> 1)].decode())
    except (IndexError, ValueError):  # UnicodeDecodeError is a ValueError
        return None
    return ids


def _staging_table(name: str, topic: str, fingerprint: bytes, schema: Any) -> StagingTable:
    offset = {"type": "fixed", "name": "OffsetLE", "size": 8}
    wrapper = {"type": "record", "name": "Staged", "namespace": "ytempire.analytics",
               "fields": [{"name": "_partition", "type": "int"},
                          {"name": "_offset_le", "type": offset},
                          {"name": "_keep", "type": "boolean"},
                          {"name": "_frame", "type": {"type": "fixed", "name": "Frame",
                                                      "size": HEADER_LEN}},
                          {"name": "event", "type": schema},
                          {"name": "_check_le", "type": "OffsetLE"}]}
    sync = os.urandom(16)
    return StagingTable(name, topic, fingerprint, container_header(wrapper, sync), sync)
