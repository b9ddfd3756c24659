-- Spend per day.
SELECT day, sum(usd) AS usd, sum(calls) AS calls
FROM cost_daily
WHERE day >= toDate({since:DateTime64(3, 'UTC')})
GROUP BY day
ORDER BY day
