-- One owner's measured cost per finished video (published or rejected, as the ledger counts them: ytempire/core/projection.py) and videos requested, per channel, since a time.
SELECT
    toString(channel_id) AS channel_id,
    countIf(published_at IS NOT NULL OR quality_passed = 0) AS finished,
    sumIf(usd, published_at IS NOT NULL OR quality_passed = 0) AS finished_usd,
    count() AS requested
FROM video_summary FINAL
WHERE owner_id = {owner_id:String} AND requested_at >= {since:DateTime64(3, 'UTC')}
GROUP BY channel_id
