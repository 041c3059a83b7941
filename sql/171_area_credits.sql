-- RULES.md section 14: a solution area's credits are the performance points
-- of the bookings, OEM credits and influence awards of its solutions in the
-- program year to date, after multipliers, the cap and terminations: the
-- ledger's own rows of those sources, never points computed again (an
-- influence row's source_id is the booking it was earned on; lifecycle
-- points credit no area). The solutions are those of the row's program
-- year. One row per partner, area, program year and day the area's credits
-- move; credits is the year's total up to and including that day.
WITH solutions AS (
    SELECT 'booking' AS source, booking_id AS source_id, solution FROM raw_bookings
    UNION ALL
    SELECT 'influence', booking_id, solution FROM raw_bookings
    UNION ALL
    SELECT 'oem_credit', credit_id, solution FROM raw_oem_credits
),
credited AS (
    SELECT l.partner_id, a.solution_area, l.program_year, l.earned_on, sum(l.points) AS day_credits
    FROM points_ledger l
    JOIN solutions s ON s.source = l.source AND s.source_id = l.source_id
    JOIN rule_area_solutions a ON a.program_year = l.program_year AND a.solution = s.solution
    GROUP BY ALL
)
SELECT partner_id, solution_area, program_year, earned_on, day_credits::DECIMAL(18,2) AS day_credits,
       sum(day_credits) OVER (PARTITION BY partner_id, solution_area, program_year ORDER BY earned_on)::DECIMAL(18,2) AS credits
FROM credited
