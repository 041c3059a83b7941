-- RULES.md section 15: each partner's benefits as periods: from valid_from
-- until valid_to (inclusive; NULL: still on as_of) it holds the benefit
-- (holds) or not, from the first day it held it.
WITH changed AS (
    SELECT * FROM benefit_days
    QUALIFY holds <> coalesce(lag(holds) OVER (PARTITION BY partner_id, benefit ORDER BY d), false)
)
SELECT partner_id, benefit, program_year, d AS valid_from,
       lead(d) OVER (PARTITION BY partner_id, benefit ORDER BY d) - 1 AS valid_to, holds
FROM changed
