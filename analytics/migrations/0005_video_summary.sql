-- Per-stage runs, derived from consecutive pipeline events of a video: a stage's run starts at
-- its input event's occurred_at and ends at its output event's (or at its pipeline.failed).
-- The materialized marks keep only min/max timestamps, which a duplicate cannot change; the
-- `stage_runs` view turns them into start, end, duration and outcome.
--
--   stage         input topic        output topic
--   scriptwriter  script.requested   script.ready
--   narrator      script.ready       voice.ready
--   assembler     voice.ready        video.assembled
--   quality       video.assembled    quality.scored
--   publisher     quality.scored     upload.done   (only for passed, auto-published videos)

CREATE TABLE IF NOT EXISTS stage_run_marks
(
    video_id String,
    stage LowCardinality(String),
    channel_id SimpleAggregateFunction(any, String),
    started_at SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))),
    ended_at SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))),
    failed_at SimpleAggregateFunction(max, Nullable(DateTime64(3, 'UTC')))
)
ENGINE = AggregatingMergeTree
ORDER BY (video_id, stage)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS stage_run_starts_mv TO stage_run_marks AS
SELECT
    video_id,
    transform(_topic,
              ['script.requested', 'script.ready', 'voice.ready', 'video.assembled', 'quality.scored'],
              ['scriptwriter', 'narrator', 'assembler', 'quality', 'publisher'], '') AS stage,
    toString(channel_id) AS channel_id,
    CAST(occurred_at, 'Nullable(DateTime64(3, \'UTC\'))') AS started_at,
    CAST(NULL, 'Nullable(DateTime64(3, \'UTC\'))') AS ended_at,
    CAST(NULL, 'Nullable(DateTime64(3, \'UTC\'))') AS failed_at
FROM events
WHERE _topic IN ('script.requested', 'script.ready', 'voice.ready', 'video.assembled', 'quality.scored')
  AND (_topic != 'quality.scored'
       OR (JSONExtractBool(value, 'passed') AND JSONExtractBool(value, 'spec', 'auto_publish')));

CREATE MATERIALIZED VIEW IF NOT EXISTS stage_run_ends_mv TO stage_run_marks AS
SELECT
    video_id,
    transform(_topic,
              ['script.ready', 'voice.ready', 'video.assembled', 'quality.scored', 'upload.done'],
              ['scriptwriter', 'narrator', 'assembler', 'quality', 'publisher'], '') AS stage,
    toString(channel_id) AS channel_id,
    CAST(NULL, 'Nullable(DateTime64(3, \'UTC\'))') AS started_at,
    CAST(occurred_at, 'Nullable(DateTime64(3, \'UTC\'))') AS ended_at,
    CAST(NULL, 'Nullable(DateTime64(3, \'UTC\'))') AS failed_at
FROM events
WHERE _topic IN ('script.ready', 'voice.ready', 'video.assembled', 'quality.scored', 'upload.done');

CREATE MATERIALIZED VIEW IF NOT EXISTS stage_run_failures_mv TO stage_run_marks AS
SELECT
    video_id,
    JSONExtractString(value, 'stage') AS stage,
    toString(channel_id) AS channel_id,
    CAST(NULL, 'Nullable(DateTime64(3, \'UTC\'))') AS started_at,
    CAST(NULL, 'Nullable(DateTime64(3, \'UTC\'))') AS ended_at,
    CAST(occurred_at, 'Nullable(DateTime64(3, \'UTC\'))') AS failed_at
FROM events
WHERE _topic = 'pipeline.failed'
  AND JSONExtractString(value, 'stage') IN ('scriptwriter', 'narrator', 'assembler', 'quality', 'publisher');

-- outcome: succeeded (the output event exists), failed (the stage gave up and no output came
-- later), running (neither yet). ended_at and duration_s are NULL while running.
CREATE VIEW IF NOT EXISTS stage_runs AS
SELECT
    video_id,
    channel_id,
    stage,
    first_input_at AS started_at,
    coalesce(first_output_at, last_failure_at) AS ended_at,
    dateDiff('millisecond', first_input_at, coalesce(first_output_at, last_failure_at)) / 1000 AS duration_s,
    multiIf(first_output_at IS NOT NULL, 'succeeded',
            last_failure_at IS NOT NULL, 'failed',
            'running') AS outcome
FROM
(
    SELECT
        video_id,
        stage,
        any(channel_id) AS channel_id,
        min(started_at) AS first_input_at,
        min(ended_at) AS first_output_at,
        max(failed_at) AS last_failure_at
    FROM stage_run_marks
    GROUP BY video_id, stage
)
WHERE first_input_at IS NOT NULL;
