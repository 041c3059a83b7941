-- RULES.md sections 8, 9 and 14: designations fall only at a re-leveling,
-- with the level's windows. Each step of relevel_chain (the migration, then
-- each audit, per partner) is a step here too, per solution area:
--   previous_rank  the tier held on the year's ends_on: none inside a window
--                  of the last audit not yet reinstated; otherwise the
--                  highest of the baseline then and every tier earned on a
--                  day of the year up to ends_on;
--   earned_rank    the tier the credits and capabilities meet on ends_on;
--   after_rank     the outcome: the migration places the earned tier if the
--                  partner is in good standing on migrated_on (none
--                  otherwise, no windows); an audit in good standing gives
--                  the earned tier (up, kept or down), one not in good
--                  standing none, with the level's windows, and the earned
--                  tier from reinstated_on.
-- No tier: rank -1. The baseline on ends_on is the last step's outcome
-- (its after_rank, its earned_rank once reinstated, or, before it happened,
-- what it carried), as in 131_relevel_chain. Only the pairs of area_pairs.
WITH RECURSIVE facts AS (
    SELECT c.partner_id, a.solution_area, c.step, c.program_year, c.ends_on, c.relevel, c.relevel_on,
           c.relevelled, c.outcome, c.remediation_until, c.reenroll_until, c.reinstated_on, p.enrolled_on,
           CASE WHEN b.program_year = c.program_year THEN b.best_rank_in_year END AS best_rank_at_end,
           coalesce(e.rank_on_requirements, -1) AS year_end_rank,
           coalesce(m.good_standing, false) AS migration_good_standing
    FROM relevel_chain c
    JOIN area_pairs a ON a.partner_id = c.partner_id
    JOIN raw_partners p ON p.partner_id = c.partner_id
    LEFT JOIN area_year_end_tiers e
      ON e.partner_id = c.partner_id AND e.solution_area = a.solution_area AND e.program_year = c.program_year
    LEFT JOIN migration_placements m ON m.partner_id = c.partner_id AND m.based_on = c.program_year
    LEFT JOIN (SELECT *, lead(valid_from, 1, DATE '9999-12-31') OVER (PARTITION BY partner_id, solution_area ORDER BY valid_from) AS next_from FROM area_earned_tiers) b
      ON b.partner_id = c.partner_id AND b.solution_area = a.solution_area
     AND c.ends_on >= b.valid_from AND c.ends_on < b.next_from
),
chain AS (
    SELECT DISTINCT partner_id, solution_area, 0::BIGINT AS step, NULL::VARCHAR AS program_year, NULL::DATE AS ends_on,
           NULL::VARCHAR AS relevel, NULL::DATE AS relevel_on, NULL::BOOLEAN AS relevelled, NULL::VARCHAR AS outcome,
           NULL::INTEGER AS previous_rank, NULL::INTEGER AS earned_rank, NULL::INTEGER AS after_rank,
           NULL::DATE AS remediation_until, NULL::DATE AS reenroll_until, NULL::DATE AS reinstated_on
    FROM facts
    UNION ALL
    SELECT partner_id, solution_area, step, program_year, ends_on, relevel, relevel_on, relevelled, outcome,
           previous_rank, earned_rank,
           CASE WHEN NOT relevelled THEN NULL
                WHEN relevel = 'migration' THEN CASE WHEN migration_good_standing THEN earned_rank ELSE -1 END
                WHEN outcome = 'remediation' THEN -1
                ELSE earned_rank
           END AS after_rank,
           remediation_until, reenroll_until, reinstated_on
    FROM (
        SELECT f.partner_id, f.solution_area, f.step, f.program_year, f.ends_on, f.relevel, f.relevel_on,
               f.relevelled, f.outcome, f.remediation_until, f.reenroll_until, f.reinstated_on,
               f.migration_good_standing, f.year_end_rank AS earned_rank,
               CASE WHEN f.enrolled_on > f.ends_on THEN -1
                    WHEN c.relevel_on <= f.ends_on AND f.ends_on <= c.reenroll_until
                         AND NOT coalesce(c.reinstated_on <= f.ends_on, false) THEN -1
                    ELSE greatest(CASE WHEN NOT coalesce(c.relevelled, false) THEN -1
                                       WHEN c.relevel_on > f.ends_on THEN c.previous_rank
                                       WHEN c.reinstated_on <= f.ends_on THEN c.earned_rank
                                       ELSE c.after_rank
                                  END,
                                  coalesce(f.best_rank_at_end, -1))
               END AS previous_rank
        FROM chain c
        JOIN facts f ON f.partner_id = c.partner_id AND f.solution_area = c.solution_area AND f.step = c.step + 1
    ) held
)
SELECT * FROM chain WHERE step > 0
