-- One owner's (or one channel's) YouTube performance within [start, end], real data only: views, watch hours, average view percentage, subscribers, revenue, what the measured videos cost, ROI, RPM and cost per 1,000 views.
WITH measured AS (
    SELECT
        video_id AS vid,
        sumIf(views, day BETWEEN {start:Date} AND {end:Date}) AS m_views,
        sumIf(estimated_minutes_watched, day BETWEEN {start:Date} AND {end:Date}) AS m_minutes,
        sumIf(average_view_percentage * views, day BETWEEN {start:Date} AND {end:Date}) AS m_pct,
        sumIf(views, day BETWEEN {start:Date} AND {end:Date}
                     AND average_view_percentage IS NOT NULL) AS m_pct_weight,
        sumIf(subscribers_gained, day BETWEEN {start:Date} AND {end:Date}) AS m_subscribers,
        sumIf(estimated_revenue_usd, day BETWEEN {start:Date} AND {end:Date}) AS m_revenue
    FROM video_metrics FINAL
    WHERE owner_id = {owner_id:String} AND source = 'ANALYTICS' AND simulated = 0
      AND ({channel_id:String} = '' OR channel_id = {channel_id:String})
    GROUP BY video_id
),
costs AS (
    SELECT video_id, usd
    FROM video_summary FINAL
    WHERE owner_id = {owner_id:String} AND video_id IN (SELECT vid FROM measured)
),
totals AS (
    SELECT
        count() AS n,
        sum(m.m_views) AS t_views,
        sum(m.m_minutes) AS t_minutes,
        sum(m.m_pct) AS t_pct,
        sum(m.m_pct_weight) AS t_pct_weight,
        sum(m.m_subscribers) AS t_subscribers,
        sum(m.m_revenue) AS t_revenue,
        toDecimal64(sum(c.usd), 6) AS t_cost
    FROM measured AS m
    LEFT JOIN costs AS c ON c.video_id = m.vid
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
FROM totals
