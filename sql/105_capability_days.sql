-- RULES.md section 5: the days a partner's valid capabilities may change (an
-- achievement, an expiry, the start of each program year's counting), each
-- with the program year it counts in. 106_capabilities_on_days lists what is
-- valid on them; the level (111) and designation (172) states are evaluated
-- on them.
WITH change_dates AS (
    SELECT partner_id, achieved_on AS d FROM raw_capabilities
    UNION
    SELECT partner_id, expires_on FROM raw_capabilities WHERE expires_on IS NOT NULL
    UNION
    SELECT p.partner_id, y.counts_from FROM raw_partners p CROSS JOIN level_years y
)
SELECT c.partner_id, c.d, y.program_year
FROM change_dates c
ASOF JOIN level_years y ON c.d >= y.counts_from
