-- Per channel: videos requested in the window, how many were published, spend and cost per video.
SELECT
    channel_id,
    uniqExact(video_id) AS requested,
    uniqExactIf(video_id, status = 'published') AS published,
    sum(usd) AS usd,
    usd / nullIf(requested, 0) AS usd_per_video
FROM
(
    SELECT r.channel_id AS channel_id, r.video_id AS video_id, s.status AS status, c.usd AS usd
    FROM
    (
        SELECT video_id, any(channel_id) AS channel_id
        FROM script_requested
        WHERE occurred_at >= {since:DateTime64(3, 'UTC')}
        GROUP BY video_id
    ) AS r
    LEFT JOIN (SELECT video_id, status FROM video_status FINAL) AS s ON s.video_id = r.video_id
    LEFT JOIN (SELECT video_id, sum(usd) AS usd FROM cost_by_video GROUP BY video_id) AS c
        ON c.video_id = r.video_id
)
GROUP BY channel_id
ORDER BY usd DESC, channel_id
