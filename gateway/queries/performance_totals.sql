-- One owner's (or one channel's) YouTube performance within [start, end], real data only: views, watch hours, average view percentage, subscribers, revenue, what the measured videos cost, ROI, RPM and cost per 1,000 views. Reads the rollups (analytics migration 0014): the range's channel-days and the measured videos, never video_metrics.
WITH days AS (
    SELECT
        sum(views) AS t_views,
        sum(minutes) AS t_minutes,
        sum(pct_views) AS t_pct,
        sum(pct_weight) AS t_pct_weight,
        sum(subscribers) AS t_subscribers,
        sum(revenue) AS t_revenue
    FROM performance_channel_day FINAL
    WHERE owner_id = {owner_id:String} AND day BETWEEN {start:Date} AND {end:Date}
      AND ({channel_id:String} = '' OR channel_id = {channel_id:String})
),
measured AS (
    SELECT count() AS n, toDecimal64(sum(c.usd), 6) AS t_cost
    FROM (
        SELECT video_id FROM performance_video FINAL
        WHERE owner_id = {owner_id:String}
          AND ({channel_id:String} = '' OR channel_id = {channel_id:String})
    ) AS m
    LEFT JOIN (
        SELECT video_id, usd FROM video_summary FINAL WHERE owner_id = {owner_id:String}
    ) AS c ON c.video_id = m.video_id
)
SELECT
    n AS videos_measured,
    t_views AS views,
    round(t_minutes / 60, 4) AS watch_hours,
    round(t_pct / nullIf(t_pct_weight, 0), 4) AS average_view_percentage,
    t_subscribers AS subscribers_gained,
    t_revenue AS revenue_usd,
    t_cost AS cost_usd,
    t_revenue - t_cost AS roi_usd,
    round(toFloat64(t_revenue) / nullIf(toFloat64(t_cost), 0), 4) AS roi_ratio,
    round(toFloat64(t_revenue) * 1000 / nullIf(t_views, 0), 4) AS rpm_usd,
    round(toFloat64(t_cost) * 1000 / nullIf(t_views, 0), 4) AS cost_per_1000_views_usd
FROM days CROSS JOIN measured
