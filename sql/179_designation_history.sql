-- publish: partner_id, solution_area, valid_from
-- RULES.md section 14 (CONTRACT.md designation_history): each partner's
-- designation periods per solution area, like level_history, from the first
-- day it holds a tier there: tier NULL is a period without one after a
-- tier was held (lost at an audit, in a window, or the partnership ended).
-- valid_to is a period's last day, inclusive; NULL for the period that
-- contains as_of. reason: why the period began (`earned`, `migration`,
-- `audit`, `remediation`, `reenrollment`, `reinstated`, `terminated`).
WITH named AS (
    SELECT d.partner_id, d.solution_area, d.d, n.tier_id AS tier, d.reason
    FROM designation_days d
    LEFT JOIN tier_names n ON n.solution_area = d.solution_area AND n.tier_rank = d.tier_rank
),
periods AS (
    SELECT * FROM named
    QUALIFY tier IS DISTINCT FROM lag(tier) OVER (PARTITION BY partner_id, solution_area ORDER BY d)
)
SELECT partner_id, solution_area, tier, d AS valid_from,
       lead(d) OVER (PARTITION BY partner_id, solution_area ORDER BY d) - 1 AS valid_to,
       reason
FROM periods
