-- RULES.md section 14: a solution area's credits are the performance points
-- of the bookings, OEM credits and influence awards of its solutions in the
-- program year to date, after multipliers, the cap and terminations: the
-- ledger's own rows of those sources, never points computed again
-- (079_earning_rows carries each row's solution: on an influence row the
-- booking's; lifecycle points credit no area). The solutions are those of
-- the row's program year. One row per partner, area, program year and day
-- the area's credits move; credits is the year's total up to and including
-- that day.
WITH credited AS (
    SELECT r.partner_id, a.solution_area, r.program_year, r.earned_on, sum(r.points) AS day_credits
    FROM earning_rows r
    JOIN rule_area_solutions a ON a.program_year = r.program_year AND a.solution = r.solution
    GROUP BY ALL
)
SELECT partner_id, solution_area, program_year, earned_on, day_credits::DECIMAL(18,2) AS day_credits,
       sum(day_credits) OVER (PARTITION BY partner_id, solution_area, program_year ORDER BY earned_on)::DECIMAL(18,2) AS credits
FROM credited
