-- Cost per video: average, 95th percentile and maximum over videos with spend in the window.
SELECT
    count() AS videos,
    sum(video_usd) AS total_usd,
    sum(video_usd) / nullIf(count(), 0) AS avg_usd,
    quantileExact(0.95)(video_usd) AS p95_usd,
    max(video_usd) AS max_usd
FROM
(
    SELECT video_id, sum(usd) AS video_usd
    FROM cost_by_video
    GROUP BY video_id
    HAVING max(last_at) >= {since:DateTime64(3, 'UTC')}
)
