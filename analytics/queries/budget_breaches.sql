-- Videos requested in the window whose total cost passed their budget (VideoSpec.budget_usd).
SELECT
    count() AS videos,
    countIf(usd > budget_usd) AS over_budget,
    round(over_budget / nullIf(videos, 0), 4) AS over_budget_share,
    sumIf(usd - budget_usd, usd > budget_usd) AS over_usd,
    max(usd - budget_usd) AS worst_margin_usd
FROM video_summary FINAL
WHERE requested_at >= {since:DateTime64(3, 'UTC')} AND budget_usd IS NOT NULL
