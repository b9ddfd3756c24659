-- One owner's spend per video over the date range (by the day each cost occurred), largest first.
SELECT video_id AS key, sum(usd) AS usd, count() AS calls
FROM cost_incurred
WHERE owner_id = {owner_id:String}
  AND toDate(occurred_at) BETWEEN {start:Date} AND {end:Date}
  AND ({channel_id:String} = '' OR channel_id = {channel_id:String})
GROUP BY video_id
ORDER BY usd DESC, key
LIMIT {limit:UInt32}
