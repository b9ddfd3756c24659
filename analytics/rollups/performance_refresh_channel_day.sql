-- Recompute the channel-days of performance_channel_day marked at or before {cutoff} (see migrations 0014 and 0016): each marked day's sums over the channel's videos, latest value per video and day.
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
  AND (owner_id, channel_id, day) IN (
      SELECT DISTINCT owner_id, channel_id, day FROM performance_dirty_days
      WHERE marked_at <= {cutoff:DateTime64(3, 'UTC')})
GROUP BY owner_id, channel_id, day
