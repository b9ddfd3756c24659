-- Budget alerts raised by the ledger in the window, by scope and threshold.
SELECT scope, threshold_pct, count() AS alerts, uniqExact(scope_id) AS scopes, max(spent_usd) AS max_spent_usd
FROM cost_alert
WHERE occurred_at >= {since:DateTime64(3, 'UTC')}
GROUP BY scope, threshold_pct
ORDER BY scope, threshold_pct
