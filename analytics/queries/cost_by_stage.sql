-- Spend by pipeline stage in the window, largest first.
SELECT stage, usd, calls, round(usd / nullIf(sum(usd) OVER (), 0), 4) AS share
FROM
(
    SELECT stage, sum(usd) AS usd, sum(calls) AS calls
    FROM cost_daily
    WHERE day >= toDate({since:DateTime64(3, 'UTC')})
    GROUP BY stage
)
ORDER BY usd DESC, stage
