-- Per channel: videos requested in the window, how many were published, spend and cost per video.
SELECT
    channel_id,
    count() AS requested,
    countIf(published_at IS NOT NULL AND ifNull(not_uploaded, 0) = 0) AS published,
    sum(usd) AS usd,
    usd / requested AS usd_per_video
FROM video_summary FINAL
WHERE requested_at >= {since:DateTime64(3, 'UTC')}
GROUP BY channel_id
ORDER BY usd DESC, channel_id
