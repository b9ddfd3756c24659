-- A video whose channel is not connected to YouTube (nor set local only) ends with an
-- upload.done of platform 'none': it is ready, nothing was uploaded, and its status is
-- 'ready_not_uploaded', never 'published'. Otherwise as 0011 (same version bits).
DROP VIEW IF EXISTS video_status_mv;

CREATE MATERIALIZED VIEW IF NOT EXISTS video_status_mv TO video_status AS
SELECT
    video_id,
    channel_id,
    owner_id,
    multiIf(_topic = 'upload.done' AND JSONExtractString(value, 'platform') = 'none', 'ready_not_uploaded',
            _topic = 'upload.done', 'published',
            _topic = 'video.cancelled', 'cancelled',
            _topic = 'pipeline.failed', 'failed',
            _topic = 'quality.scored' AND NOT JSONExtractBool(value, 'passed'), 'rejected',
            _topic = 'quality.scored' AND NOT JSONExtractBool(value, 'spec', 'auto_publish'), 'awaiting_publish',
            transform(_topic,
                      ['script.requested', 'script.ready', 'voice.ready', 'video.assembled', 'quality.scored'],
                      ['requested', 'scriptwriter', 'narrator', 'assembler', 'quality'], '')) AS status,
    _topic,
    event_id,
    occurred_at,
    bitShiftLeft(toUInt64(greatest(attempt, 1)), 48)
        + bitShiftLeft(toUInt64(multiIf(_topic = 'upload.done', 2, _topic = 'video.cancelled', 1, 0)), 46)
        + toUInt64(toUnixTimestamp64Milli(occurred_at)) * 16
        + indexOf(['script.requested', 'script.ready', 'voice.ready', 'video.assembled',
                   'quality.scored', 'upload.done', 'pipeline.failed', 'video.cancelled'],
                  toString(_topic)) AS version
FROM events
WHERE _topic IN ('script.requested', 'script.ready', 'voice.ready', 'video.assembled',
                 'quality.scored', 'upload.done', 'pipeline.failed', 'video.cancelled')
  AND (_topic != 'pipeline.failed'
       OR JSONExtractString(value, 'stage') IN ('scriptwriter', 'narrator', 'assembler', 'quality', 'publisher'));
