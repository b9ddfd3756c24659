-- One owner's videos as YouTube Analytics measured them (real data only, latest value per video and day): figures within [start, end], views 1, 7 and 28 days after publishing, and ROI against what each video cost. Reads the performance_video rollup (analytics migration 0014): a range's figures are the aggregates of the video's days within it (arrayReduce: the functions the raw query over video_metrics used, over the same values).
WITH videos AS (
    SELECT
        video_id,
        channel_id,
        platform_video_id,
        published_at,
        views_1d,
        views_7d,
        views_28d,
        arrayMap(d -> d BETWEEN {start:Date} AND {end:Date}, days) AS in_range,
        arrayReduce('sumIf', views, in_range) AS m_views,
        round(arrayReduce('sumIf', minutes, in_range) / 60, 4) AS m_watch_hours,
        round(arrayReduce('sumIf', arrayMap((p, v) -> p * v, average_view_percentage, views),
                          in_range)
              / nullIf(arrayReduce('sumIf', views,
                                   arrayMap((r, p) -> r AND p IS NOT NULL, in_range,
                                            average_view_percentage)), 0), 4)
            AS m_average_view_percentage,
        arrayReduce('sumIf', subscribers, in_range) AS m_subscribers,
        arrayReduce('sumIf', revenue, in_range) AS m_revenue
    FROM performance_video FINAL
    WHERE owner_id = {owner_id:String}
      AND ({channel_id:String} = '' OR channel_id = {channel_id:String})
      AND ({video_id:String} = '' OR video_id = {video_id:String})
),
costs AS (
    SELECT video_id, usd
    FROM video_summary FINAL
    WHERE owner_id = {owner_id:String}
      AND ({channel_id:String} = '' OR channel_id = {channel_id:String})
      AND ({video_id:String} = '' OR video_id = {video_id:String})
),
topics AS (
    SELECT video_id, any(topic) AS topic
    FROM script_requested
    WHERE owner_id = {owner_id:String}
      AND ({channel_id:String} = '' OR channel_id = {channel_id:String})
      AND ({video_id:String} = '' OR video_id = {video_id:String})
    GROUP BY video_id
)
SELECT
    m.video_id AS video_id,
    m.channel_id AS channel_id,
    m.platform_video_id AS platform_video_id,
    t.topic AS topic,
    m.published_at AS published_at,
    toMonday(toDate(m.published_at, 'America/Los_Angeles')) AS cohort_week,
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
    m.views_1d AS views_1d,
    m.views_7d AS views_7d,
    m.views_28d AS views_28d
FROM videos AS m
LEFT JOIN costs AS c ON c.video_id = m.video_id
LEFT JOIN topics AS t ON t.video_id = m.video_id
ORDER BY m.published_at, m.video_id
