-- One owner's videos as YouTube Analytics measured them (real data only, latest value per video and day): figures within [start, end], views 1, 7 and 28 days after publishing, and ROI against what each video cost.
WITH measured AS (
    SELECT
        video_id AS vid,
        any(channel_id) AS m_channel,
        any(platform_video_id) AS m_platform_id,
        min(published_at) AS m_published_at,
        toDate(m_published_at, 'America/Los_Angeles') AS m_published_day,
        sumIf(views, day BETWEEN {start:Date} AND {end:Date}) AS m_views,
        round(sumIf(estimated_minutes_watched, day BETWEEN {start:Date} AND {end:Date}) / 60, 4)
            AS m_watch_hours,
        round(sumIf(average_view_percentage * views, day BETWEEN {start:Date} AND {end:Date})
              / nullIf(sumIf(views, day BETWEEN {start:Date} AND {end:Date}
                                    AND average_view_percentage IS NOT NULL), 0), 4)
            AS m_average_view_percentage,
        sumIf(subscribers_gained, day BETWEEN {start:Date} AND {end:Date}) AS m_subscribers,
        sumIf(estimated_revenue_usd, day BETWEEN {start:Date} AND {end:Date}) AS m_revenue,
        sumIf(views, day < toDate(published_at, 'America/Los_Angeles') + 1) AS m_views_1d,
        sumIf(views, day < toDate(published_at, 'America/Los_Angeles') + 7) AS m_views_7d,
        sumIf(views, day < toDate(published_at, 'America/Los_Angeles') + 28) AS m_views_28d
    FROM video_metrics FINAL
    WHERE owner_id = {owner_id:String} AND source = 'ANALYTICS' AND simulated = 0
      AND ({channel_id:String} = '' OR channel_id = {channel_id:String})
      AND ({video_id:String} = '' OR video_id = {video_id:String})
    GROUP BY video_id
),
costs AS (
    SELECT video_id, usd
    FROM video_summary FINAL
    WHERE owner_id = {owner_id:String} AND video_id IN (SELECT vid FROM measured)
),
topics AS (
    SELECT video_id, any(topic) AS topic
    FROM script_requested
    WHERE owner_id = {owner_id:String} AND video_id IN (SELECT vid FROM measured)
    GROUP BY video_id
)
SELECT
    m.vid AS video_id,
    toString(m.m_channel) AS channel_id,
    m.m_platform_id AS platform_video_id,
    t.topic AS topic,
    m.m_published_at AS published_at,
    toMonday(m.m_published_day) AS cohort_week,
    m.m_views AS views,
    m.m_watch_hours AS watch_hours,
    m.m_average_view_percentage AS average_view_percentage,
    m.m_subscribers AS subscribers_gained,
    m.m_revenue AS revenue_usd,
    toDecimal64(c.usd, 6) AS cost_usd,
    m.m_revenue - toDecimal64(c.usd, 6) AS roi_usd,
    round(toFloat64(m.m_revenue) / nullIf(toFloat64(c.usd), 0), 4) AS roi_ratio,
    round(toFloat64(m.m_revenue) * 1000 / nullIf(m.m_views, 0), 4) AS rpm_usd,
    round(toFloat64(c.usd) * 1000 / nullIf(m.m_views, 0), 4) AS cost_per_1000_views_usd,
    m.m_views_1d AS views_1d,
    m.m_views_7d AS views_7d,
    m.m_views_28d AS views_28d
FROM measured AS m
LEFT JOIN costs AS c ON c.video_id = m.vid
LEFT JOIN topics AS t ON t.video_id = m.vid
ORDER BY m.m_published_at, m.vid
