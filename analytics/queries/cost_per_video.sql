-- Cost per video: average, 95th percentile and maximum over videos with spend in the window.
-- Only requested videos: a topic-discovery run bills under a per-channel-day id (topics-...).
SELECT
    count() AS videos,
    sum(usd) AS total_usd,
    total_usd / nullIf(videos, 0) AS avg_usd,
    quantileExact(0.95)(usd) AS p95_usd,
    max(usd) AS max_usd
FROM video_summary FINAL
WHERE calls > 0 AND requested_at IS NOT NULL AND last_cost_at >= {since:DateTime64(3, 'UTC')}
