
WITH timeline AS (
    SELECT partner_id, d, program_year, earned_rank,
           max(earned_rank) OVER (PARTITION BY partner_id, program_year ORDER BY d) AS best_rank_in_year
    FROM level_evaluations
    WHERE in_timeline
)
SELECT partner_id, d AS valid_from, program_year, earned_rank, best_rank_in_year
FROM timeline
QUALIFY (program_year, earned_rank, best_rank_in_year)
        IS DISTINCT FROM lag((program_year, earned_rank, best_rank_in_year)) OVER (PARTITION BY partner_id ORDER BY d)
