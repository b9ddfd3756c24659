-- One row per video: its milestones (when each pipeline event first happened), how it ended,
-- and what it cost. This is the cost-by-video rollup, and the source of per-stage runs.
-- Rows arrive in pieces from two views (milestones from `events`, money from `cost_incurred`)
-- and merge by video_id; only min, max, any, sum and array union are used, so a piece seen
-- twice changes nothing but the sums, which the sink keeps exact (see 0002_events.sql).
-- Read it with FINAL: merged, it answers per-video KPIs over millions of cost rows in tens of ms.
CREATE TABLE IF NOT EXISTS video_summary
(
    video_id String,
    channel_id SimpleAggregateFunction(any, String),
    owner_id SimpleAggregateFunction(any, String),
    budget_usd SimpleAggregateFunction(any, Nullable(Decimal(12, 6))),
    requested_at SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))),
    script_ready_at SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))),
    voice_ready_at SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))),
    assembled_at SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))),
    scored_at SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))),
    published_at SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))),
    quality_passed SimpleAggregateFunction(max, Nullable(UInt8)),
    auto_publish SimpleAggregateFunction(max, Nullable(UInt8)),
    failed_at SimpleAggregateFunction(max, Nullable(DateTime64(3, 'UTC'))),
    failed_stages SimpleAggregateFunction(groupUniqArrayArray, Array(String)),
    usd SimpleAggregateFunction(sum, Decimal(38, 6)),
    calls SimpleAggregateFunction(sum, UInt64),
    cached_calls SimpleAggregateFunction(sum, UInt64),
    last_cost_at SimpleAggregateFunction(max, Nullable(DateTime64(3, 'UTC')))
)
ENGINE = AggregatingMergeTree
ORDER BY video_id
SETTINGS non_replicated_deduplication_window = 1000;

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
    if(_topic = 'quality.scored', toUInt8(JSONExtractBool(value, 'passed')), NULL) AS quality_passed,
    if(_topic = 'quality.scored', toUInt8(JSONExtractBool(value, 'spec', 'auto_publish')), NULL) AS auto_publish,
    if(_topic = 'pipeline.failed', occurred_at, NULL) AS failed_at,
    if(_topic = 'pipeline.failed', [JSONExtractString(value, 'stage')], []) AS failed_stages
FROM events
WHERE _topic IN ('script.requested', 'script.ready', 'voice.ready', 'video.assembled',
                 'quality.scored', 'upload.done')
   OR (_topic = 'pipeline.failed'
       AND JSONExtractString(value, 'stage') IN ('scriptwriter', 'narrator', 'assembler', 'quality', 'publisher'));

CREATE MATERIALIZED VIEW IF NOT EXISTS video_summary_costs_mv TO video_summary AS
SELECT
    video_id,
    any(toString(channel_id)) AS channel_id,
    any(toString(owner_id)) AS owner_id,
    sum(usd) AS usd,
    count() AS calls,
    countIf(cached) AS cached_calls,
    max(occurred_at) AS last_cost_at
FROM cost_incurred
GROUP BY video_id;

-- Per-stage runs, derived from consecutive pipeline events of a video: a stage's run starts at
-- its input event's occurred_at and ends at its output event's (or at pipeline.failed).
--
--   stage         input topic        output topic
--   scriptwriter  script.requested   script.ready
--   narrator      script.ready       voice.ready
--   assembler     voice.ready        video.assembled
--   quality       video.assembled    quality.scored
--   publisher     quality.scored     upload.done   (only for passed, auto-published videos)
--
-- outcome: succeeded (the output event exists), failed (the stage gave up and no output came),
-- running (neither yet; ended_at and duration_s are NULL).
CREATE VIEW IF NOT EXISTS stage_runs AS
SELECT
    video_id,
    channel_id,
    stage,
    started_at,
    coalesce(output_at, if(has(failed_stages, stage), failed_at, NULL)) AS ended_at,
    dateDiff('millisecond', started_at, ended_at) / 1000 AS duration_s,
    multiIf(output_at IS NOT NULL, 'succeeded', has(failed_stages, stage), 'failed', 'running') AS outcome
FROM
(
    SELECT
        video_id,
        channel_id,
        failed_at,
        failed_stages,
        [requested_at, script_ready_at, voice_ready_at, assembled_at,
         if(quality_passed = 1 AND auto_publish = 1, scored_at, NULL)] AS inputs,
        [script_ready_at, voice_ready_at, assembled_at, scored_at, published_at] AS outputs
    FROM video_summary FINAL
)
ARRAY JOIN
    ['scriptwriter', 'narrator', 'assembler', 'quality', 'publisher'] AS stage,
    inputs AS started_at,
    outputs AS output_at
WHERE started_at IS NOT NULL;
