-- Messages parked on pipeline.dlq (kept 90 days), per stage that gave up on them.
SELECT stage, count() AS messages, uniqExact(source_topic) AS source_topics, max(occurred_at) AS newest_at
FROM pipeline_dlq
GROUP BY stage
ORDER BY messages DESC, stage
