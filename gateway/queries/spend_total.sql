-- One owner's total spend and provider calls over the date range.
SELECT sum(usd) AS usd, sum(calls) AS calls
FROM cost_daily
WHERE owner_id = {owner_id:String}
  AND day BETWEEN {start:Date} AND {end:Date}
  AND ({channel_id:String} = '' OR channel_id = {channel_id:String})
