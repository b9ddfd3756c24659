-- Recompute performance_video for the videos marked at or before {cutoff} (see migrations 0014 and 0016): all of each marked video's days, with the same per-video expressions gateway/queries/video_performance.sql used over video_metrics FINAL.
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
  AND (owner_id, channel_id, video_id) IN (
      SELECT DISTINCT owner_id, channel_id, video_id FROM performance_dirty_days
      WHERE marked_at <= {cutoff:DateTime64(3, 'UTC')})
GROUP BY owner_id, video_id
