-- Provider calls answered from the result cache (cached = true, no money spent), per stage.
SELECT stage, all_calls AS calls, cached_calls, round(cached_calls / all_calls, 4) AS hit_rate
FROM
(
    SELECT stage, sum(calls) AS all_calls, sumIf(calls, cached) AS cached_calls
    FROM cost_daily
    WHERE day >= toDate({since:DateTime64(3, 'UTC')})
    GROUP BY stage
)
ORDER BY indexOf(['scriptwriter', 'narrator', 'assembler', 'quality', 'publisher'], stage), stage
