-- RULES.md section 14: the earned tier as change points per partner and
-- area (valid from valid_from until the next row), each with
-- best_rank_in_year: the highest tier earned on any day of its program year
-- up to then (a designation rises at once and is kept for the rest of the
-- year, like a level).
WITH timeline AS (
    SELECT partner_id, solution_area, d, program_year, earned_rank,
           max(earned_rank) OVER (PARTITION BY partner_id, solution_area, program_year ORDER BY d) AS best_rank_in_year
    FROM area_evaluations
    WHERE in_timeline
)
SELECT partner_id, solution_area, d AS valid_from, program_year, earned_rank, best_rank_in_year
FROM timeline
QUALIFY (program_year, earned_rank, best_rank_in_year)
        IS DISTINCT FROM lag((program_year, earned_rank, best_rank_in_year)) OVER (PARTITION BY partner_id, solution_area ORDER BY d)
