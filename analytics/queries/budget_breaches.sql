-- Videos requested in the window whose total cost passed their budget (VideoSpec.budget_usd).
SELECT
    count() AS videos,
    countIf(usd > budget_usd) AS over_budget,
    round(over_budget / nullIf(videos, 0), 4) AS over_budget_share,
    sumIf(usd - budget_usd, usd > budget_usd) AS over_usd,
    max(usd - budget_usd) AS worst_margin_usd
FROM
(
    SELECT video_id, any(budget_usd) AS budget_usd
    FROM script_requested
    WHERE occurred_at >= {since:DateTime64(3, 'UTC')}
    GROUP BY video_id
) AS requested
INNER JOIN
(
    SELECT video_id, sum(usd) AS usd
    FROM cost_by_video
    GROUP BY video_id
) AS spent USING (video_id)
