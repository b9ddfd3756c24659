-- cost.incurred's body goes straight into its typed table, without JSON. Writing each staged
-- record's value as JSON (0009) and parsing it again in cost_incurred_mv (0003) was a third of
-- the sink's ClickHouse time, and nothing read that JSON but the view. From here on:
--
-- * `events` keeps one row per cost.incurred event (envelope, _topic/_partition/_offset: what
--   the stored-id check, the status views and a replay need) with an empty `value`;
-- * `cost_incurred` holds the body, every field of it, and the envelope's cost_so_far_usd, so
--   `events` joined with `cost_incurred` on event_id is the whole record;
-- * the staging table fills both through two views, each checking the block the same way (a
--   block one view refuses is refused by the other before anything is written); the sink's
--   Python path (runs of another writer, runs with poison) inserts into both itself
--   (analytics.rows.cost_row), so cost_incurred_mv no longer reads `events`.
--
-- The staging table changes too, to cost the sink less Python per record: offsets travel as
-- 8 little-endian bytes (Avro fixed) instead of zig-zag varints, and each record goes in whole,
-- its 10-byte single-object header read as `_frame` (the sink checks it before staging).
-- Rows stored before this migration keep their JSON and a NULL cost_so_far_usd.
ALTER TABLE cost_incurred ADD COLUMN IF NOT EXISTS cost_so_far_usd Nullable(Decimal(12, 6));

DROP VIEW IF EXISTS cost_incurred_mv;

DROP VIEW IF EXISTS cost_incurred_avro_mv;

DROP TABLE IF EXISTS cost_incurred_avro;

CREATE TABLE IF NOT EXISTS cost_incurred_avro
(
    _partition Int32,
    _offset_le FixedString(8),
    _keep Bool,
    _frame FixedString(10),
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
    _check_le FixedString(8)
)
ENGINE = Null
COMMENT 'avro cost.incurred e90e658d8c04b81f';

CREATE MATERIALIZED VIEW IF NOT EXISTS cost_incurred_avro_mv TO events AS
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
    reinterpretAsUInt64(_offset_le) AS _offset,
    '' AS value
FROM cost_incurred_avro
WHERE throwIf(_check_le != _offset_le OR NOT isValidUTF8(concat(
          event.envelope.event_id, event.envelope.video_id, event.envelope.channel_id,
          event.envelope.owner_id, event.envelope.producer.name, event.envelope.producer.version,
          event.envelope.correlation_id, event.stage, event.provider, event.model, event.unit,
          event.price_table_version, event.call_key)),
          'a record of this Avro block is not exactly one valid body') = 0
  AND _keep;

CREATE MATERIALIZED VIEW IF NOT EXISTS cost_incurred_avro_typed_mv TO cost_incurred AS
SELECT
    event.envelope.event_id AS event_id,
    event.envelope.video_id AS video_id,
    event.envelope.channel_id AS channel_id,
    event.envelope.owner_id AS owner_id,
    event.envelope.occurred_at AS occurred_at,
    event.stage AS stage,
    event.provider AS provider,
    event.model AS model,
    event.unit AS unit,
    event.quantity AS quantity,
    event.usd AS usd,
    event.cached AS cached,
    event.price_table_version AS price_table_version,
    event.call_key AS call_key,
    event.envelope.cost_so_far_usd AS cost_so_far_usd
FROM cost_incurred_avro
WHERE throwIf(_check_le != _offset_le OR NOT isValidUTF8(concat(
          event.envelope.event_id, event.envelope.video_id, event.envelope.channel_id,
          event.envelope.owner_id, event.envelope.producer.name, event.envelope.producer.version,
          event.envelope.correlation_id, event.stage, event.provider, event.model, event.unit,
          event.price_table_version, event.call_key)),
          'a record of this Avro block is not exactly one valid body') = 0
  AND _keep;
