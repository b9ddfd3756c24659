-- Spend by channel in the window, with the number of videos and the average per video.
SELECT
    channel_id,
    sum(video_usd) AS usd,
    count() AS videos,
    sum(video_usd) / count() AS avg_usd_per_video
FROM
(
    SELECT channel_id, video_id, sum(usd) AS video_usd
    FROM cost_by_video
    GROUP BY channel_id, video_id
    HAVING max(last_at) >= {since:DateTime64(3, 'UTC')}
)
GROUP BY channel_id
ORDER BY usd DESC, channel_id
