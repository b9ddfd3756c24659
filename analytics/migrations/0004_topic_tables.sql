-- One typed table per topic the KPIs read, named after the topic, columns named after the
-- schema's fields (VideoSpec's fields flattened: `topic` is the video's topic). Fed from
-- `events` by materialized views, so the sink writes one table and never two.

CREATE TABLE IF NOT EXISTS script_requested
(
    event_id String,
    video_id String,
    channel_id LowCardinality(String),
    owner_id LowCardinality(String),
    occurred_at DateTime64(3, 'UTC'),
    topic String,
    format LowCardinality(String),
    target_duration_s UInt32,
    language LowCardinality(String),
    style LowCardinality(String),
    quality_threshold UInt32,
    budget_usd Decimal(12, 6),
    privacy LowCardinality(String),
    auto_publish Bool
)
ENGINE = ReplacingMergeTree
ORDER BY event_id
SETTINGS non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS script_requested_mv TO script_requested AS
SELECT
    event_id, video_id, channel_id, owner_id, occurred_at,
    JSONExtractString(value, 'spec', 'topic') AS topic,
    JSONExtractString(value, 'spec', 'format') AS format,
    JSONExtractUInt(value, 'spec', 'target_duration_s') AS target_duration_s,
    JSONExtractString(value, 'spec', 'language') AS language,
    JSONExtractString(value, 'spec', 'style') AS style,
    JSONExtractUInt(value, 'spec', 'quality_threshold') AS quality_threshold,
    toDecimal64(JSONExtractString(value, 'spec', 'budget_usd'), 6) AS budget_usd,
    JSONExtractString(value, 'spec', 'privacy') AS privacy,
    JSONExtractBool(value, 'spec', 'auto_publish') AS auto_publish
FROM events
WHERE _topic = 'script.requested';

CREATE TABLE IF NOT EXISTS video_assembled
(
    event_id String,
    video_id String,
    channel_id LowCardinality(String),
    owner_id LowCardinality(String),
    occurred_at DateTime64(3, 'UTC'),
    format LowCardinality(String),
    duration_s Float64,
    narration_duration_s Float64,
    width UInt32,
    height UInt32,
    render_seconds Float64
)
ENGINE = ReplacingMergeTree
ORDER BY event_id
SETTINGS non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS video_assembled_mv TO video_assembled AS
SELECT
    event_id, video_id, channel_id, owner_id, occurred_at,
    JSONExtractString(value, 'spec', 'format') AS format,
    JSONExtractFloat(value, 'duration_s') AS duration_s,
    JSONExtractFloat(value, 'narration_duration_s') AS narration_duration_s,
    JSONExtractUInt(value, 'width') AS width,
    JSONExtractUInt(value, 'height') AS height,
    JSONExtractFloat(value, 'render_seconds') AS render_seconds
FROM events
WHERE _topic = 'video.assembled';

CREATE TABLE IF NOT EXISTS quality_scored
(
    event_id String,
    video_id String,
    channel_id LowCardinality(String),
    owner_id LowCardinality(String),
    occurred_at DateTime64(3, 'UTC'),
    format LowCardinality(String),
    auto_publish Bool,
    duration_s Float64,
    score Float64,
    threshold UInt32,
    passed Bool,
    reasons Array(String)
)
ENGINE = ReplacingMergeTree
ORDER BY event_id
SETTINGS non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS quality_scored_mv TO quality_scored AS
SELECT
    event_id, video_id, channel_id, owner_id, occurred_at,
    JSONExtractString(value, 'spec', 'format') AS format,
    JSONExtractBool(value, 'spec', 'auto_publish') AS auto_publish,
    JSONExtractFloat(value, 'duration_s') AS duration_s,
    JSONExtractFloat(value, 'score') AS score,
    JSONExtractUInt(value, 'threshold') AS threshold,
    JSONExtractBool(value, 'passed') AS passed,
    JSONExtract(value, 'reasons', 'Array(String)') AS reasons
FROM events
WHERE _topic = 'quality.scored';

CREATE TABLE IF NOT EXISTS upload_done
(
    event_id String,
    video_id String,
    channel_id LowCardinality(String),
    owner_id LowCardinality(String),
    occurred_at DateTime64(3, 'UTC'),
    platform LowCardinality(String),
    platform_video_id String,
    url String,
    title String,
    duration_s Float64,
    privacy LowCardinality(String),
    quality_score Float64
)
ENGINE = ReplacingMergeTree
ORDER BY event_id
SETTINGS non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS upload_done_mv TO upload_done AS
SELECT
    event_id, video_id, channel_id, owner_id, occurred_at,
    JSONExtractString(value, 'platform') AS platform,
    JSONExtractString(value, 'platform_video_id') AS platform_video_id,
    JSONExtractString(value, 'url') AS url,
    JSONExtractString(value, 'title') AS title,
    JSONExtractFloat(value, 'duration_s') AS duration_s,
    JSONExtractString(value, 'privacy') AS privacy,
    JSONExtractFloat(value, 'quality_score') AS quality_score
FROM events
WHERE _topic = 'upload.done';

CREATE TABLE IF NOT EXISTS pipeline_failed
(
    event_id String,
    video_id String,
    channel_id LowCardinality(String),
    owner_id LowCardinality(String),
    occurred_at DateTime64(3, 'UTC'),
    stage LowCardinality(String),
    input_topic LowCardinality(String),
    input_event_id String,
    error_type LowCardinality(String),
    error_message String,
    retryable Bool
)
ENGINE = ReplacingMergeTree
ORDER BY event_id
SETTINGS non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS pipeline_failed_mv TO pipeline_failed AS
SELECT
    event_id, video_id, channel_id, owner_id, occurred_at,
    JSONExtractString(value, 'stage') AS stage,
    JSONExtractString(value, 'input_topic') AS input_topic,
    JSONExtractString(value, 'input_event_id') AS input_event_id,
    JSONExtractString(value, 'error_type') AS error_type,
    JSONExtractString(value, 'error_message') AS error_message,
    JSONExtractBool(value, 'retryable') AS retryable
FROM events
WHERE _topic = 'pipeline.failed';

-- The failed message's bytes stay on pipeline.dlq (and hex-encoded in events.value).
CREATE TABLE IF NOT EXISTS pipeline_dlq
(
    event_id String,
    video_id String,
    channel_id LowCardinality(String),
    owner_id LowCardinality(String),
    occurred_at DateTime64(3, 'UTC'),
    stage LowCardinality(String),
    source_topic LowCardinality(String),
    source_partition UInt32,
    source_offset UInt64,
    error_type LowCardinality(String),
    error_message String,
    attempts UInt32
)
ENGINE = ReplacingMergeTree
ORDER BY event_id
SETTINGS non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS pipeline_dlq_mv TO pipeline_dlq AS
SELECT
    event_id, video_id, channel_id, owner_id, occurred_at,
    JSONExtractString(value, 'stage') AS stage,
    JSONExtractString(value, 'source_topic') AS source_topic,
    JSONExtractUInt(value, 'source_partition') AS source_partition,
    JSONExtractUInt(value, 'source_offset') AS source_offset,
    JSONExtractString(value, 'error_type') AS error_type,
    JSONExtractString(value, 'error_message') AS error_message,
    JSONExtractUInt(value, 'attempts') AS attempts
FROM events
WHERE _topic = 'pipeline.dlq';

CREATE TABLE IF NOT EXISTS cost_alert
(
    event_id String,
    video_id String,
    channel_id LowCardinality(String),
    owner_id LowCardinality(String),
    occurred_at DateTime64(3, 'UTC'),
    scope LowCardinality(String),
    scope_id String,
    threshold_pct UInt32,
    budget_usd Decimal(18, 6),
    spent_usd Decimal(18, 6)
)
ENGINE = ReplacingMergeTree
ORDER BY event_id
SETTINGS non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS cost_alert_mv TO cost_alert AS
SELECT
    event_id, video_id, channel_id, owner_id, occurred_at,
    JSONExtractString(value, 'scope') AS scope,
    JSONExtractString(value, 'scope_id') AS scope_id,
    JSONExtractUInt(value, 'threshold_pct') AS threshold_pct,
    toDecimal64(JSONExtractString(value, 'budget_usd'), 6) AS budget_usd,
    toDecimal64(JSONExtractString(value, 'spent_usd'), 6) AS spent_usd
FROM events
WHERE _topic = 'cost.alert';
