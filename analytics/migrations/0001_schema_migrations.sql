-- Which migrations have run. `ytempire analytics migrate` writes one row per applied file and
-- refuses to go on when an applied file has changed since (add a new migration instead).
CREATE TABLE IF NOT EXISTS schema_migrations
(
    version UInt32,
    name String,
    checksum String,
    applied_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
ORDER BY version;
