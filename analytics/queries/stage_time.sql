-- Seconds per successful stage run (input event to output event), p50 and p95 per stage.
SELECT stage, runs, round(q[1], 3) AS p50_s, round(q[2], 3) AS p95_s
FROM
(
    SELECT stage, count() AS runs, quantilesExact(0.5, 0.95)(duration_s) AS q
    FROM stage_runs
    WHERE outcome = 'succeeded' AND started_at >= {since:DateTime64(3, 'UTC')}
    GROUP BY stage
)
ORDER BY indexOf(['scriptwriter', 'narrator', 'assembler', 'quality', 'publisher'], stage)
