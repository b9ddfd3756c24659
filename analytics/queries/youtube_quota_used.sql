-- YouTube Data API quota units used per day (the default project quota is 10,000 a day).
SELECT day, sum(quantity) AS units, round(units / 10000, 4) AS share_of_daily_quota
FROM cost_daily
WHERE unit = 'youtube_quota' AND day >= toDate({since:DateTime64(3, 'UTC')})
GROUP BY day
ORDER BY day
