-- Spend by channel in the window, with the number of videos and the average per video.
SELECT
    channel_id,
    sum(usd) AS usd,
    count() AS videos,
    usd / videos AS avg_usd_per_video
FROM video_summary FINAL
WHERE calls > 0 AND last_cost_at >= {since:DateTime64(3, 'UTC')}
GROUP BY channel_id
ORDER BY usd DESC, channel_id
