-- One owner's video, day by day as YouTube Analytics measured it (latest value per day; real data only).
SELECT
    day,
    views,
    round(estimated_minutes_watched / 60, 4) AS watch_hours,
    average_view_duration_s,
    average_view_percentage,
    likes,
    comments,
    shares,
    subscribers_gained,
    subscribers_lost,
    estimated_revenue_usd AS revenue_usd,
    cpm,
    playback_based_cpm,
    ad_impressions
FROM video_metrics FINAL
WHERE owner_id = {owner_id:String} AND channel_id = {channel_id:String}
  AND video_id = {video_id:String} AND source = 'ANALYTICS'
  AND simulated = 0 AND day BETWEEN {start:Date} AND {end:Date}
ORDER BY day
