-- cost.incurred, the busiest topic (a score of calls per video), decoded by ClickHouse instead
-- of Python: the sink inserts a partition's run of records as one Avro container block into this
-- Null table (each record wrapped as {_partition, _offset, _keep, event, _check}), and the view
-- below writes the rows to keep (not duplicates) into `events`, whose views fill the typed tables
-- as for every other topic. Duplicates are in the block too, so that they are read and checked.
-- Three times less CPU per event than decoding and re-encoding in Python (docs/benchmarks.md).
--
-- The table comment names the writer schema (topic and fingerprint) the `event` tuple was made
-- from; the sink stages only records of that writer and decodes any other in Python, so a schema
-- change without a new migration costs speed, never correctness. `_check` repeats `_offset` after
-- the record: a record that is not exactly one valid body shifts what is read there and fails the
-- insert (throwIf), as does text that is not UTF-8; the sink then decodes that run in Python,
-- which sends the bad record to the DLQ. The JSON in `value` carries the same fields and values
-- as the Python path's; its timestamps read 2026-11-25T17:22:40.672Z and whole doubles 1500.
CREATE TABLE IF NOT EXISTS cost_incurred_avro
(
    _partition Int32,
    _offset Int64,
    _keep Bool,
    event Tuple(
        envelope Tuple(
            event_id String,
            video_id String,
            channel_id String,
            owner_id String,
            occurred_at DateTime64(3, 'UTC'),
            producer Tuple(name String, version String),
            correlation_id String,
            attempt Int32,
            cost_so_far_usd Nullable(Decimal(12, 6))),
        stage String,
        provider String,
        model String,
        unit String,
        quantity Float64,
        usd Decimal(18, 6),
        cached Bool,
        price_table_version String,
        call_key String),
    _check Int64
)
ENGINE = Null
COMMENT 'avro cost.incurred e90e658d8c04b81f';

CREATE MATERIALIZED VIEW IF NOT EXISTS cost_incurred_avro_mv TO events AS
WITH toJSONString(event) AS json
SELECT
    event.envelope.event_id AS event_id,
    event.envelope.video_id AS video_id,
    event.envelope.channel_id AS channel_id,
    event.envelope.owner_id AS owner_id,
    event.envelope.occurred_at AS occurred_at,
    event.envelope.producer AS producer,
    event.envelope.correlation_id AS correlation_id,
    toUInt32(event.envelope.attempt) AS attempt,
    'cost.incurred' AS _topic,
    toUInt32(_partition) AS _partition,
    toUInt64(_offset) AS _offset,
    json AS value
FROM cost_incurred_avro
WHERE throwIf(_check != _offset OR NOT isValidUTF8(json),
              'a record of this Avro block is not exactly one valid body') = 0
  AND _keep;
