-- Recompute performance_video for the channels marked at or before {cutoff} (see migration 0014): the same per-video expressions gateway/queries/video_performance.sql used over video_metrics FINAL.
INSERT INTO performance_video
WITH arraySort(groupArray((day, views, estimated_minutes_watched, average_view_percentage,
                           subscribers_gained, estimated_revenue_usd))) AS by_day
SELECT
    toString(owner_id),
    toString(any(channel_id)),
    video_id,
    any(platform_video_id),
    min(published_at),
    sumIf(views, day < toDate(published_at, 'America/Los_Angeles') + 1),
    sumIf(views, day < toDate(published_at, 'America/Los_Angeles') + 7),
    sumIf(views, day < toDate(published_at, 'America/Los_Angeles') + 28),
    arrayMap(d -> d.1, by_day),
    arrayMap(d -> d.2, by_day),
    arrayMap(d -> d.3, by_day),
    arrayMap(d -> d.4, by_day),
    arrayMap(d -> d.5, by_day),
    arrayMap(d -> d.6, by_day),
    now64(6)
FROM video_metrics FINAL
WHERE source = 'ANALYTICS' AND simulated = 0
  AND (toString(owner_id), toString(channel_id)) IN (
      SELECT owner_id, channel_id FROM performance_dirty
      WHERE marked_at <= {cutoff:DateTime64(3, 'UTC')})
GROUP BY owner_id, video_id
