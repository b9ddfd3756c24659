-- Quality gate scores (0-100) of the videos scored in the window.
SELECT
    count() AS videos,
    round(avg(score), 2) AS avg_score,
    round(quantileExact(0.5)(score), 2) AS p50_score,
    round(min(score), 2) AS min_score
FROM quality_scored
WHERE occurred_at >= {since:DateTime64(3, 'UTC')}
