-- Of the videos active in the window whose pipeline ended, the share that succeeded
-- (published, ready but not uploaded as its channel is not connected, or passed and held
-- for a manual publish); rejected and failed count against it.
-- Cancelled videos are counted apart: a person stopped them, the pipeline did not fail (what
-- they cost is still in the cost KPIs).
SELECT
    countIf(status IN ('published', 'ready_not_uploaded', 'awaiting_publish')) AS succeeded,
    countIf(status = 'rejected') AS rejected,
    countIf(status = 'failed') AS failed,
    countIf(status = 'cancelled') AS cancelled,
    countIf(status NOT IN ('published', 'ready_not_uploaded', 'awaiting_publish', 'rejected',
                           'failed', 'cancelled'))
        AS in_flight,
    round(succeeded / nullIf(succeeded + rejected + failed, 0), 4) AS success_rate
FROM video_status FINAL
WHERE occurred_at >= {since:DateTime64(3, 'UTC')}
