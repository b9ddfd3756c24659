-- One row per cost.incurred event: every paid (or free) provider call, in exact dollars.
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
SELECT
    event_id,
    video_id,
    channel_id,
    owner_id,
    occurred_at,
    JSONExtractString(value, 'stage') AS stage,
    JSONExtractString(value, 'provider') AS provider,
    JSONExtractString(value, 'model') AS model,
    JSONExtractString(value, 'unit') AS unit,
    JSONExtractFloat(value, 'quantity') AS quantity,
    toDecimal64(JSONExtractString(value, 'usd'), 6) AS usd,
    JSONExtractBool(value, 'cached') AS cached,
    JSONExtractString(value, 'price_table_version') AS price_table_version,
    JSONExtractString(value, 'call_key') AS call_key
FROM events
WHERE _topic = 'cost.incurred';
