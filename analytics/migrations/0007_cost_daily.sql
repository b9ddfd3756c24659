-- Materialized cost rollups, fed from cost_incurred: per video, and per day x channel x stage x
-- provider x model x unit (cost by channel, day, stage, provider and model all read this one).
-- Sums are exact because each event id reaches cost_incurred once (see 0002_events.sql).
-- Unmerged parts may hold several rows per key: always aggregate again when reading.

CREATE TABLE IF NOT EXISTS cost_by_video
(
    channel_id LowCardinality(String),
    video_id String,
    owner_id SimpleAggregateFunction(any, String),
    usd SimpleAggregateFunction(sum, Decimal(38, 6)),
    calls SimpleAggregateFunction(sum, UInt64),
    cached_calls SimpleAggregateFunction(sum, UInt64),
    first_at SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
    last_at SimpleAggregateFunction(max, DateTime64(3, 'UTC'))
)
ENGINE = AggregatingMergeTree
ORDER BY (channel_id, video_id)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS cost_by_video_mv TO cost_by_video AS
SELECT
    channel_id,
    video_id,
    any(toString(owner_id)) AS owner_id,
    sum(usd) AS usd,
    count() AS calls,
    countIf(cached) AS cached_calls,
    min(occurred_at) AS first_at,
    max(occurred_at) AS last_at
FROM cost_incurred
GROUP BY channel_id, video_id;

CREATE TABLE IF NOT EXISTS cost_daily
(
    day Date,
    owner_id LowCardinality(String),
    channel_id LowCardinality(String),
    stage LowCardinality(String),
    provider LowCardinality(String),
    model LowCardinality(String),
    unit LowCardinality(String),
    cached Bool,
    usd SimpleAggregateFunction(sum, Decimal(38, 6)),
    quantity SimpleAggregateFunction(sum, Float64),
    calls SimpleAggregateFunction(sum, UInt64)
)
ENGINE = AggregatingMergeTree
ORDER BY (day, owner_id, channel_id, stage, provider, model, unit, cached)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS cost_daily_mv TO cost_daily AS
SELECT
    toDate(occurred_at) AS day,
    owner_id,
    channel_id,
    stage,
    provider,
    model,
    unit,
    cached,
    sum(usd) AS usd,
    sum(quantity) AS quantity,
    count() AS calls
FROM cost_incurred
GROUP BY day, owner_id, channel_id, stage, provider, model, unit, cached;
