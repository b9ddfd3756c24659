-- Spend by channel in the window (topic discovery's included), with the number of videos and
-- the average per video (requested videos only: discovery bills under topics-... ids).
SELECT
    channel_id,
    sum(spent) AS usd,
    countIf(requested) AS videos,
    sumIf(spent, requested) / nullIf(videos, 0) AS avg_usd_per_video
FROM (
    SELECT channel_id, usd AS spent, requested_at IS NOT NULL AS requested
    FROM video_summary FINAL
    WHERE calls > 0 AND last_cost_at >= {since:DateTime64(3, 'UTC')}
)
GROUP BY channel_id
ORDER BY usd DESC, channel_id
