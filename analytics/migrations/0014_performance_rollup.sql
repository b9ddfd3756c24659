-- Rollups of video_metrics for the performance API and KPIs (gateway/queries/performance_*),
-- which read 9,000,000 video-days (100,000 videos x 90 days) in 1.5-21 s straight from
-- video_metrics FINAL (docs/benchmarks.md). A rollup must keep "the latest observation of a
-- (video, day) wins", which a sum fed row by row cannot (a revised day would count twice), so
-- the rollups are recomputed from video_metrics FINAL, a whole channel at a time, for the
-- channels that got new ANALYTICS rows: the view below marks them in performance_dirty, and
-- analytics.performance_rollup.refresh (the sink, after each video.metrics insert) recomputes
-- and clears them. A mark left by a crash is picked up by the next refresh. Each refresh's
-- rows carry a new refreshed_at, so the dedup window (kept on every table, as the sink's
-- repeated inserts need) never drops one.
CREATE TABLE IF NOT EXISTS performance_dirty
(
    owner_id String,
    channel_id String,
    marked_at DateTime64(3, 'UTC')
)
ENGINE = MergeTree
ORDER BY (owner_id, channel_id)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS performance_dirty_mv TO performance_dirty AS
SELECT DISTINCT toString(owner_id) AS owner_id, toString(channel_id) AS channel_id,
       now64(3) AS marked_at
FROM video_metrics
WHERE source = 'ANALYTICS' AND simulated = 0;

-- One row per measured video (real ANALYTICS rows only): what does not depend on the date
-- range asked (which video, when published, views 1, 7 and 28 days after publishing), and its
-- days as arrays in day order (the latest value of each), from which a range's figures add up
-- with arrayReduce: the same aggregate functions over the same values, so the same answers.
CREATE TABLE IF NOT EXISTS performance_video
(
    owner_id String,
    channel_id String,
    video_id String,
    platform_video_id String,
    published_at Nullable(DateTime64(3, 'UTC')),
    views_1d Nullable(Int64),
    views_7d Nullable(Int64),
    views_28d Nullable(Int64),
    days Array(Date),
    views Array(Nullable(Int64)),
    minutes Array(Nullable(Float64)),
    average_view_percentage Array(Nullable(Float64)),
    subscribers Array(Nullable(Int64)),
    revenue Array(Nullable(Decimal(12, 6))),
    refreshed_at DateTime64(6, 'UTC')
)
ENGINE = ReplacingMergeTree(refreshed_at)
ORDER BY (owner_id, channel_id, video_id)
SETTINGS non_replicated_deduplication_window = 1000;

-- One row per channel and day: the day's sums over the channel's videos (real ANALYTICS rows,
-- latest value per video and day), from which any date range's totals add up.
CREATE TABLE IF NOT EXISTS performance_channel_day
(
    owner_id String,
    channel_id String,
    day Date,
    views Nullable(Int64),
    minutes Nullable(Float64),
    pct_views Nullable(Float64),
    pct_weight Nullable(Int64),
    subscribers Nullable(Int64),
    revenue Nullable(Decimal(38, 6)),
    refreshed_at DateTime64(6, 'UTC')
)
ENGINE = ReplacingMergeTree(refreshed_at)
ORDER BY (owner_id, channel_id, day)
SETTINGS non_replicated_deduplication_window = 1000;

-- Figures written before this migration: their channels are marked, the first refresh rolls
-- them up.
INSERT INTO performance_dirty
SELECT DISTINCT toString(owner_id), toString(channel_id), now64(3)
FROM video_metrics
WHERE source = 'ANALYTICS' AND simulated = 0;
