-- Latest status of the videos requested in the window (words of ytempire.tracker).
SELECT status, count() AS videos
FROM video_status FINAL
WHERE video_id IN (
    SELECT video_id FROM script_requested WHERE occurred_at >= {since:DateTime64(3, 'UTC')}
)
GROUP BY status
ORDER BY videos DESC, status
