-- The latest status of every video, in the words of ytempire.tracker: requested, then the
-- stage that finished last (scriptwriter, narrator, assembler, quality), or rejected (below the
-- quality threshold), awaiting_publish (passed, auto_publish off), published, failed.
-- The newest event wins (version = occurred_at in ms, ties broken by pipeline order); read it
-- with FINAL.
CREATE TABLE IF NOT EXISTS video_status
(
    video_id String,
    channel_id LowCardinality(String),
    owner_id LowCardinality(String),
    status LowCardinality(String),
    _topic LowCardinality(String),
    event_id String,
    occurred_at DateTime64(3, 'UTC'),
    version UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY video_id
SETTINGS non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS video_status_mv TO video_status AS
SELECT
    video_id,
    channel_id,
    owner_id,
    multiIf(_topic = 'upload.done', 'published',
            _topic = 'pipeline.failed', 'failed',
            _topic = 'quality.scored' AND NOT JSONExtractBool(value, 'passed'), 'rejected',
            _topic = 'quality.scored' AND NOT JSONExtractBool(value, 'spec', 'auto_publish'), 'awaiting_publish',
            transform(_topic,
                      ['script.requested', 'script.ready', 'voice.ready', 'video.assembled', 'quality.scored'],
                      ['requested', 'scriptwriter', 'narrator', 'assembler', 'quality'], '')) AS status,
    _topic,
    event_id,
    occurred_at,
    toUInt64(toUnixTimestamp64Milli(occurred_at)) * 8
        + indexOf(['script.requested', 'script.ready', 'voice.ready', 'video.assembled',
                   'quality.scored', 'upload.done', 'pipeline.failed'], toString(_topic)) AS version
FROM events
WHERE _topic IN ('script.requested', 'script.ready', 'voice.ready', 'video.assembled',
                 'quality.scored', 'upload.done', 'pipeline.failed')
  AND (_topic != 'pipeline.failed'
       OR JSONExtractString(value, 'stage') IN ('scriptwriter', 'narrator', 'assembler', 'quality', 'publisher'));
