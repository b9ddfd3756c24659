-- Spend and usage by provider, model and billing unit in the window, largest first.
SELECT provider, model, unit, sum(quantity) AS quantity, sum(usd) AS usd, sum(calls) AS calls
FROM cost_daily
WHERE day >= toDate({since:DateTime64(3, 'UTC')})
GROUP BY provider, model, unit
ORDER BY usd DESC, provider, model, unit
