-- Latest status of the videos active in the window (words of ytempire.tracker).
SELECT status, count() AS videos
FROM video_status FINAL
WHERE occurred_at >= {since:DateTime64(3, 'UTC')}
GROUP BY status
ORDER BY videos DESC, status
