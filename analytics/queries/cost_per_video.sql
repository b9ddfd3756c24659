-- Cost per video: average, 95th percentile and maximum over videos with spend in the window.
SELECT
    count() AS videos,
    sum(usd) AS total_usd,
    total_usd / nullIf(videos, 0) AS avg_usd,
    quantileExact(0.95)(usd) AS p95_usd,
    max(usd) AS max_usd
FROM video_summary FINAL
WHERE calls > 0 AND last_cost_at >= {since:DateTime64(3, 'UTC')}
