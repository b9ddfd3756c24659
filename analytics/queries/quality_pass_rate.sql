-- Share of scored videos that passed their quality threshold, by format.
SELECT
    format,
    count() AS scored,
    countIf(quality_scored.passed) AS passed_videos,
    round(passed_videos / scored, 4) AS pass_rate
FROM quality_scored
WHERE occurred_at >= {since:DateTime64(3, 'UTC')}
GROUP BY format
ORDER BY format
