-- A video whose channel publishes nowhere ends with an upload.done of platform 'none' (0013):
-- ready, not uploaded. video_summary marks it, so the KPIs count it apart from the videos that
-- were really published. Rows stored before this migration have no mark until a replay.
ALTER TABLE video_summary
    ADD COLUMN IF NOT EXISTS not_uploaded SimpleAggregateFunction(max, Nullable(UInt8));

DROP VIEW IF EXISTS video_summary_milestones_mv;

CREATE MATERIALIZED VIEW IF NOT EXISTS video_summary_milestones_mv TO video_summary AS
SELECT
    video_id,
    channel_id,
    owner_id,
    if(_topic = 'script.requested',
       toDecimal64OrNull(JSONExtractString(value, 'spec', 'budget_usd'), 6), NULL) AS budget_usd,
    if(_topic = 'script.requested', occurred_at, NULL) AS requested_at,
    if(_topic = 'script.ready', occurred_at, NULL) AS script_ready_at,
    if(_topic = 'voice.ready', occurred_at, NULL) AS voice_ready_at,
    if(_topic = 'video.assembled', occurred_at, NULL) AS assembled_at,
    if(_topic = 'quality.scored', occurred_at, NULL) AS scored_at,
    if(_topic = 'upload.done', occurred_at, NULL) AS published_at,
    if(_topic = 'upload.done', toUInt8(JSONExtractString(value, 'platform') = 'none'), NULL) AS not_uploaded,
    if(_topic = 'quality.scored', toUInt8(JSONExtractBool(value, 'passed')), NULL) AS quality_passed,
    if(_topic = 'quality.scored', toUInt8(JSONExtractBool(value, 'spec', 'auto_publish')), NULL) AS auto_publish,
    if(_topic = 'pipeline.failed', occurred_at, NULL) AS failed_at,
    if(_topic = 'pipeline.failed', [JSONExtractString(value, 'stage')], []) AS failed_stages
FROM events
WHERE _topic IN ('script.requested', 'script.ready', 'voice.ready', 'video.assembled',
                 'quality.scored', 'upload.done')
   OR (_topic = 'pipeline.failed'
       AND JSONExtractString(value, 'stage') IN ('scriptwriter', 'narrator', 'assembler', 'quality', 'publisher'));
