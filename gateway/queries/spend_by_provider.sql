-- One owner's spend per provider over the date range, largest first.
SELECT toString(provider) AS key, sum(usd) AS usd, sum(calls) AS calls
FROM cost_daily
WHERE owner_id = {owner_id:String}
  AND day BETWEEN {start:Date} AND {end:Date}
  AND ({channel_id:String} = '' OR channel_id = {channel_id:String})
GROUP BY provider
ORDER BY usd DESC, key
LIMIT {limit:UInt32}
