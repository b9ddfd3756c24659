-- video.metrics as rows: one per (video, source, day); the latest observation wins
-- (ReplacingMergeTree on observed_at: YouTube revises recent analytics days, and a statistics
-- snapshot taken later supersedes an earlier one of the same day). Read with FINAL.
-- ANALYTICS rows are that day's figures; STATISTICS rows are lifetime totals as of observed_at.
-- Simulated rows (simulated = 1) are kept apart: every performance query filters them out.
-- Ordered by owner then channel so owner-scoped reads touch only their own granules.
CREATE TABLE IF NOT EXISTS video_metrics
(
    event_id String,
    video_id String,
    channel_id LowCardinality(String),
    owner_id LowCardinality(String),
    platform_video_id String,
    source LowCardinality(String),
    day Date,
    observed_at DateTime64(3, 'UTC'),
    published_at Nullable(DateTime64(3, 'UTC')),
    simulated UInt8,
    views Nullable(Int64),
    likes Nullable(Int64),
    comments Nullable(Int64),
    shares Nullable(Int64),
    estimated_minutes_watched Nullable(Float64),
    average_view_duration_s Nullable(Float64),
    average_view_percentage Nullable(Float64),
    subscribers_gained Nullable(Int64),
    subscribers_lost Nullable(Int64),
    estimated_revenue_usd Nullable(Decimal(12, 6)),
    cpm Nullable(Float64),
    playback_based_cpm Nullable(Float64),
    ad_impressions Nullable(Int64)
)
ENGINE = ReplacingMergeTree(observed_at)
ORDER BY (owner_id, channel_id, video_id, source, day)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS video_metrics_mv TO video_metrics AS
SELECT
    event_id,
    video_id,
    channel_id,
    owner_id,
    JSONExtractString(value, 'platform_video_id') AS platform_video_id,
    JSONExtractString(value, 'source') AS source,
    toDate(JSONExtractString(value, 'day')) AS day,
    parseDateTime64BestEffort(JSONExtractString(value, 'observed_at'), 3, 'UTC') AS observed_at,
    parseDateTime64BestEffortOrNull(JSONExtractString(value, 'published_at'), 3, 'UTC') AS published_at,
    toUInt8(JSONExtractBool(value, 'simulated')) AS simulated,
    JSONExtract(value, 'views', 'Nullable(Int64)') AS views,
    JSONExtract(value, 'likes', 'Nullable(Int64)') AS likes,
    JSONExtract(value, 'comments', 'Nullable(Int64)') AS comments,
    JSONExtract(value, 'shares', 'Nullable(Int64)') AS shares,
    JSONExtract(value, 'estimated_minutes_watched', 'Nullable(Float64)') AS estimated_minutes_watched,
    JSONExtract(value, 'average_view_duration_s', 'Nullable(Float64)') AS average_view_duration_s,
    JSONExtract(value, 'average_view_percentage', 'Nullable(Float64)') AS average_view_percentage,
    JSONExtract(value, 'subscribers_gained', 'Nullable(Int64)') AS subscribers_gained,
    JSONExtract(value, 'subscribers_lost', 'Nullable(Int64)') AS subscribers_lost,
    toDecimal64OrNull(JSONExtractString(value, 'estimated_revenue_usd'), 6) AS estimated_revenue_usd,
    JSONExtract(value, 'cpm', 'Nullable(Float64)') AS cpm,
    JSONExtract(value, 'playback_based_cpm', 'Nullable(Float64)') AS playback_based_cpm,
    JSONExtract(value, 'ad_impressions', 'Nullable(Int64)') AS ad_impressions
FROM events
WHERE _topic = 'video.metrics';
