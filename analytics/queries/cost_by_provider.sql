-- Spend by provider in the window, largest first.
SELECT provider, usd, calls, round(usd / nullIf(sum(usd) OVER (), 0), 4) AS share
FROM
(
    SELECT provider, sum(usd) AS usd, sum(calls) AS calls
    FROM cost_daily
    WHERE day >= toDate({since:DateTime64(3, 'UTC')})
    GROUP BY provider
)
ORDER BY usd DESC, provider
