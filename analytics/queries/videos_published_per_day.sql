-- Videos published per day (upload.done; not the ones left ready, not uploaded).
SELECT toDate(occurred_at) AS day, uniqExact(video_id) AS videos
FROM upload_done
WHERE occurred_at >= {since:DateTime64(3, 'UTC')} AND platform != 'none'
GROUP BY day
ORDER BY day
