-- Seconds from request (script.requested) to published (upload.done), p50 and p95.
SELECT
    count() AS videos,
    round(quantileExact(0.5)(seconds), 3) AS p50_s,
    round(quantileExact(0.95)(seconds), 3) AS p95_s,
    round(max(seconds), 3) AS max_s
FROM
(
    SELECT dateDiff('millisecond', requested_at, published_at) / 1000 AS seconds
    FROM
    (
        SELECT video_id, min(occurred_at) AS requested_at
        FROM script_requested
        WHERE occurred_at >= {since:DateTime64(3, 'UTC')}
        GROUP BY video_id
    ) AS requested
    INNER JOIN
    (
        SELECT video_id, min(occurred_at) AS published_at FROM upload_done GROUP BY video_id
    ) AS published USING (video_id)
)
