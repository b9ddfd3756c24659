-- Videos generated per day: MP4, captions and thumbnail rendered (video.assembled).
SELECT toDate(occurred_at) AS day, uniqExact(video_id) AS videos
FROM video_assembled
WHERE occurred_at >= {since:DateTime64(3, 'UTC')}
GROUP BY day
ORDER BY day
