-- The daily cost rollup, fed from cost_incurred: per day x owner x channel x stage x provider x
-- model x unit x cached (cost by channel, day, stage, provider and model all read this one;
-- cost by video is video_summary). Sums are exact because each event id reaches cost_incurred
-- once (see 0002_events.sql). Unmerged parts may hold several rows per key: aggregate again
-- when reading.
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
