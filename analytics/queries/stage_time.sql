-- Seconds per successful stage run (input event to output event), p50 and p95 per stage.
SELECT
    stage,
    count() AS runs,
    round(quantileExact(0.5)(duration_s), 3) AS p50_s,
    round(quantileExact(0.95)(duration_s), 3) AS p95_s
FROM stage_runs
WHERE outcome = 'succeeded' AND started_at >= {since:DateTime64(3, 'UTC')}
GROUP BY stage
ORDER BY indexOf(['scriptwriter', 'narrator', 'assembler', 'quality', 'publisher'], stage)
