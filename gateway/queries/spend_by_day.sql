-- One owner's spend per day (optionally one channel's), from the daily rollup.
SELECT toString(day) AS key, sum(usd) AS usd, sum(calls) AS calls
FROM cost_daily
WHERE owner_id = {owner_id:String}
  AND day BETWEEN {start:Date} AND {end:Date}
  AND ({channel_id:String} = '' OR channel_id = {channel_id:String})
GROUP BY day
ORDER BY day
LIMIT {limit:UInt32}
