-- One owner's spend per channel over the date range, largest first.
SELECT toString(channel_id) AS key, sum(usd) AS usd, sum(calls) AS calls
FROM cost_daily
WHERE owner_id = {owner_id:String}
  AND day BETWEEN {start:Date} AND {end:Date}
  AND ({channel_id:String} = '' OR channel_id = {channel_id:String})
GROUP BY channel_id
ORDER BY usd DESC, key
LIMIT {limit:UInt32}
