-- Every event of every topic as the sink read it: the envelope as columns, the whole decoded
-- value as JSON (decimals as strings, timestamps ISO 8601, bytes as hex), and where it came from
-- (_topic, _partition, _offset, named like the Kafka table engine's virtual columns; `topic`
-- alone is VideoSpec's field).
--
-- Effectively-once: the sink inserts each batch with insert_deduplication_token
-- "topic:partition:first-last", which the dedup window turns into a no-op when a crashed batch
-- is retried; it drops event ids already stored before inserting, so a redelivery at another
-- offset adds nothing; and ReplacingMergeTree on the event id is the backstop. Every table fed
-- from here through a materialized view carries the same window, so a retried batch is
-- deduplicated all the way down. No LowCardinality here: encoding its dictionaries is done in
-- Python by the client and cost the sink more than it saves; the typed tables have them.
CREATE TABLE IF NOT EXISTS events
(
    event_id String,
    video_id String,
    channel_id String,
    owner_id String,
    occurred_at DateTime64(3, 'UTC'),
    producer Tuple(name String, version String),
    correlation_id String,
    attempt UInt32,
    _topic String,
    _partition UInt32,
    _offset UInt64,
    value String,
    ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
ORDER BY (_topic, event_id)
SETTINGS non_replicated_deduplication_window = 1000;
