-- Recompute performance_channel_day for the channels marked at or before {cutoff} (see migration 0014): each day's sums over the channel's videos, latest value per video and day.
INSERT INTO performance_channel_day
SELECT
    toString(owner_id),
    toString(channel_id),
    day,
    sum(views),
    sum(estimated_minutes_watched),
    sum(average_view_percentage * views),
    sumIf(views, average_view_percentage IS NOT NULL),
    sum(subscribers_gained),
    sum(estimated_revenue_usd),
    now64(6)
FROM video_metrics FINAL
WHERE source = 'ANALYTICS' AND simulated = 0
  AND (toString(owner_id), toString(channel_id)) IN (
      SELECT owner_id, channel_id FROM performance_dirty
      WHERE marked_at <= {cutoff:DateTime64(3, 'UTC')})
GROUP BY owner_id, channel_id, day
