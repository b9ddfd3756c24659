-- Consumer lag snapshots the sink records from the broker every few seconds (committed offset
-- vs high watermark of group ytempire.<consumer> on each partition of each topic it reads), so
-- Grafana can chart lag. `ytempire kpi` asks the broker directly instead.
CREATE TABLE IF NOT EXISTS consumer_lag
(
    recorded_at DateTime64(3, 'UTC'),
    consumer LowCardinality(String),
    group_id LowCardinality(String),
    _topic LowCardinality(String),
    _partition UInt32,
    committed Int64,
    high_watermark Int64,
    lag Int64
)
ENGINE = MergeTree
ORDER BY (consumer, recorded_at)
TTL toDateTime(recorded_at) + INTERVAL 30 DAY;
