-- One row per cost.incurred event: every paid (or free) provider call, in exact dollars.
-- The view parses each JSON value once, into a named tuple (one JSONExtract per field would
-- parse it once per field).
CREATE TABLE IF NOT EXISTS cost_incurred
(
    event_id String,
    video_id String,
    channel_id LowCardinality(String),
    owner_id LowCardinality(String),
    occurred_at DateTime64(3, 'UTC'),
    stage LowCardinality(String),
    provider LowCardinality(String),
    model LowCardinality(String),
    unit LowCardinality(String),
    quantity Float64,
    usd Decimal(18, 6),
    cached Bool,
    price_table_version LowCardinality(String),
    call_key String
)
ENGINE = ReplacingMergeTree
ORDER BY event_id
SETTINGS non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS cost_incurred_mv TO cost_incurred AS
WITH JSONExtract(value, 'Tuple(stage String, provider String, model String, unit String, quantity Float64, usd String, cached Bool, price_table_version String, call_key String)') AS v
SELECT
    event_id,
    video_id,
    channel_id,
    owner_id,
    occurred_at,
    v.stage AS stage,
    v.provider AS provider,
    v.model AS model,
    v.unit AS unit,
    v.quantity AS quantity,
    toDecimal64(v.usd, 6) AS usd,
    v.cached AS cached,
    v.price_table_version AS price_table_version,
    v.call_key AS call_key
FROM events
WHERE _topic = 'cost.incurred';
