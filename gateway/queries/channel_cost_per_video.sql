-- One owner's measured cost per ended video, per channel, since a time: the spend and number of the videos that ended (published or ready, rejected by quality, or failed in a stage of the line: video_summary records failed_at for those stages only), as the ledger counts them (ytempire/core/projection.py; tests/gateway/test_costs.py holds the two together), and the videos requested.
SELECT
    toString(channel_id) AS channel_id,
    countIf(published_at IS NOT NULL OR quality_passed = 0 OR failed_at IS NOT NULL) AS ended,
    sumIf(usd, published_at IS NOT NULL OR quality_passed = 0 OR failed_at IS NOT NULL) AS ended_usd,
    count() AS requested
FROM video_summary FINAL
WHERE owner_id = {owner_id:String} AND requested_at >= {since:DateTime64(3, 'UTC')}
GROUP BY channel_id
