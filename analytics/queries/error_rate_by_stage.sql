-- Stage runs that ended in pipeline.failed, per stage.
SELECT
    stage,
    count() AS runs,
    countIf(outcome = 'failed') AS failed,
    round(failed / count(), 4) AS error_rate
FROM stage_runs
WHERE started_at >= {since:DateTime64(3, 'UTC')}
GROUP BY stage
ORDER BY indexOf(['scriptwriter', 'narrator', 'assembler', 'quality', 'publisher'], stage)
