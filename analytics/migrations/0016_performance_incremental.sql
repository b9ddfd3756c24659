-- The rollups of 0014 were recomputed a whole channel at a time after every video.metrics insert
-- (20 channels, 9,000,000 rows: 39.7 s at a load of 11), on the sink's one writer thread. Now an
-- insert marks the (video, day) pairs it wrote in performance_dirty_days, and a refresh
-- recomputes only the marked videos' performance_video rows and the marked channel-days of
-- performance_channel_day (analytics/rollups/performance_refresh_*.sql), still from
-- video_metrics FINAL, so "the latest observation of a (video, day) wins" holds as before.
CREATE TABLE IF NOT EXISTS performance_dirty_days
(
    owner_id String,
    channel_id String,
    video_id String,
    day Date,
    marked_at DateTime64(3, 'UTC')
)
ENGINE = MergeTree
ORDER BY (owner_id, channel_id, video_id, day)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS performance_dirty_days_mv TO performance_dirty_days AS
SELECT DISTINCT toString(owner_id) AS owner_id, toString(channel_id) AS channel_id, video_id,
       day, now64(3) AS marked_at
FROM video_metrics
WHERE source = 'ANALYTICS' AND simulated = 0;

-- Channels still marked whole (an insert whose refresh a crash stopped): every day of theirs.
INSERT INTO performance_dirty_days
SELECT DISTINCT toString(owner_id), toString(channel_id), video_id, day, now64(3)
FROM video_metrics
WHERE source = 'ANALYTICS' AND simulated = 0
  AND (toString(owner_id), toString(channel_id)) IN (
      SELECT owner_id, channel_id FROM performance_dirty);

-- The channel marks are no longer made nor read; the emptied table stays so this file can run
-- again after a crash half-way (the statement above reads it).
DROP VIEW IF EXISTS performance_dirty_mv;

TRUNCATE TABLE IF EXISTS performance_dirty;
