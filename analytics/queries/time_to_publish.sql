-- Seconds from request (script.requested) to published (upload.done), p50 and p95.
SELECT
    count() AS videos,
    round(quantilesExact(0.5, 0.95)(seconds)[1], 3) AS p50_s,
    round(quantilesExact(0.5, 0.95)(seconds)[2], 3) AS p95_s,
    round(max(seconds), 3) AS max_s
FROM
(
    SELECT dateDiff('millisecond', requested_at, published_at) / 1000 AS seconds
    FROM video_summary FINAL
    WHERE requested_at >= {since:DateTime64(3, 'UTC')} AND published_at IS NOT NULL
      AND ifNull(not_uploaded, 0) = 0
)
