-- Videos requested per day (script.requested).
SELECT toDate(occurred_at) AS day, uniqExact(video_id) AS videos
FROM script_requested
WHERE occurred_at >= {since:DateTime64(3, 'UTC')}
GROUP BY day
ORDER BY day
