-- One owner's pipeline KPIs for videos requested in the window: volume, outcomes, money, speed.
-- A video ready but not uploaded (its channel publishes nowhere) succeeded, and is not published.
SELECT
    count() AS videos_requested,
    countIf(published_at IS NOT NULL AND ifNull(not_uploaded, 0) = 0) AS videos_published,
    countIf(not_uploaded = 1) AS videos_ready_not_uploaded,
    countIf(quality_passed = 1 AND published_at IS NULL AND auto_publish = 0) AS awaiting_publish,
    countIf(quality_passed = 0) AS videos_rejected,
    countIf(failed_at IS NOT NULL AND published_at IS NULL) AS videos_failed,
    round((videos_published + videos_ready_not_uploaded + awaiting_publish)
          / nullIf(videos_published + videos_ready_not_uploaded + awaiting_publish
                   + videos_rejected + videos_failed, 0), 4) AS success_rate,
    sum(usd) AS total_usd,
    round(total_usd / nullIf(countIf(calls > 0), 0), 6) AS avg_usd_per_video,
    countIf(usd > budget_usd) AS over_budget,
    round(sum(cached_calls) / nullIf(sum(calls), 0), 4) AS cache_hit_rate,
    round(quantileExactIf(0.5)(dateDiff('millisecond', requested_at, published_at) / 1000,
                               published_at IS NOT NULL AND ifNull(not_uploaded, 0) = 0),
          3) AS p50_time_to_publish_s,
    round(quantileExactIf(0.95)(dateDiff('millisecond', requested_at, published_at) / 1000,
                                published_at IS NOT NULL AND ifNull(not_uploaded, 0) = 0),
          3) AS p95_time_to_publish_s
FROM video_summary FINAL
WHERE owner_id = {owner_id:String} AND requested_at >= {since:DateTime64(3, 'UTC')}
