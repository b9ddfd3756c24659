-- Of the videos active in the window whose pipeline ended, the share that succeeded
-- (published, or passed and held for a manual publish); rejected and failed count against it.
SELECT
    countIf(status IN ('published', 'awaiting_publish')) AS succeeded,
    countIf(status = 'rejected') AS rejected,
    countIf(status = 'failed') AS failed,
    countIf(status NOT IN ('published', 'awaiting_publish', 'rejected', 'failed')) AS in_flight,
    round(succeeded / nullIf(succeeded + rejected + failed, 0), 4) AS success_rate
FROM video_status FINAL
WHERE occurred_at >= {since:DateTime64(3, 'UTC')}
