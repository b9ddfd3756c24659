-- video.cancelled in the latest status of a video. A cancel stops the stages, but one already at
-- work still sends its output after the cancel: within one attempt, `cancelled` beats every
-- event but upload.done (a begun upload cannot be taken back, so a published video shows as
-- published), whatever their times. A later attempt (a retry) beats everything of the earlier
-- ones, leftovers arriving late included. So the version is, from the highest bits down: the
-- attempt (bits 48+), the rank within it (upload.done 2, video.cancelled 1, the rest 0; bits
-- 46-47), then the time in ms and the pipeline order (ms * 16 + index, below 2^46
-- until 2109). Rows written before this migration keep versions below any new one.
DROP VIEW IF EXISTS video_status_mv;

CREATE MATERIALIZED VIEW IF NOT EXISTS video_status_mv TO video_status AS
SELECT
    video_id,
    channel_id,
    owner_id,
    multiIf(_topic = 'upload.done', 'published',
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
