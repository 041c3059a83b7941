-- disable_optimizers: build_side_probe_side
-- (DuckDB's row estimates would build the hash tables of the range joins on
-- the days, not on the fewer tier rows they look up.)
-- RULES.md sections 8 and 14: the tier of each partner in each solution
-- area on every day it may change, up to as_of (rank -1: none), as levels
-- are kept in 142_level_days:
--   none (and `terminated`) from the day the partnership ended;
--   none inside an audit window not yet reinstated (window_periods);
--   otherwise the highest of the baseline tier on D and every tier earned
--   on a day of D's program year up to D.
-- The baseline on D is the latest of: enrollment (none), from a re-levelled
-- year's last day until its re-leveling the tier held on that day
-- (carried), the re-leveling's outcome (migration, audit, remediation) and
-- a reinstatement's earned tier. reason: the event of the day, `earned`
-- when the tier rose because it was earned. Only the pairs of area_pairs
-- (no tier elsewhere).
WITH events AS (
    SELECT e.partner_id, a.solution_area, e.enrolled_on AS valid_from, -1 AS baseline_rank, 'earned' AS reason, 0 AS priority
    FROM enrolled_partners e JOIN area_pairs a USING (partner_id)
    UNION ALL
    SELECT c.partner_id, c.solution_area, c.ends_on + 1, c.previous_rank, 'carried', 1
    FROM designation_chain c JOIN enrolled_partners e USING (partner_id)
    WHERE e.enrolled_on <= c.ends_on
    UNION ALL
    SELECT partner_id, solution_area, relevel_on, after_rank,
           CASE WHEN relevel = 'migration' THEN 'migration' WHEN outcome = 'remediation' THEN 'remediation' ELSE 'audit' END, 2
    FROM designation_chain
    WHERE relevelled
    UNION ALL
    SELECT partner_id, solution_area, reinstated_on, earned_rank, 'reinstated', 4
    FROM designation_chain
    WHERE reinstated_on IS NOT NULL
),
baseline AS (
    SELECT partner_id, solution_area, valid_from, baseline_rank, reason
    FROM events
    QUALIFY row_number() OVER (PARTITION BY partner_id, solution_area, valid_from
                               ORDER BY priority DESC, baseline_rank DESC, reason) = 1
),
change_days AS (
    SELECT partner_id, solution_area, valid_from AS d FROM area_earned_tiers
    UNION
    SELECT partner_id, solution_area, valid_from FROM baseline
    UNION
    SELECT w.partner_id, a.solution_area, w.valid_from FROM window_periods w JOIN area_pairs a USING (partner_id)
    UNION
    SELECT w.partner_id, a.solution_area, w.valid_to + 1 FROM window_periods w JOIN area_pairs a USING (partner_id)
    UNION
    SELECT e.partner_id, a.solution_area, e.ended_on FROM enrolled_partners e JOIN area_pairs a USING (partner_id) WHERE e.ended_on IS NOT NULL
    UNION
    SELECT e.partner_id, a.solution_area, r.as_of FROM enrolled_partners e JOIN area_pairs a USING (partner_id) CROSS JOIN run_params r
)
SELECT c.partner_id, c.solution_area, c.d,
       held_rank(e.ended_on, c.d, w.valid_to, -1, b.baseline_rank, coalesce(l.best_rank_in_year, -1)) AS tier_rank,
       coalesce(e.ended_on <= c.d, false) AS terminated,
       CASE WHEN e.ended_on <= c.d THEN NULL ELSE coalesce(l.earned_rank, -1) END AS earned_rank,
       held_reason(e.ended_on, c.d, w.valid_from, w.reason, b.valid_from, b.reason) AS reason
FROM change_days c
JOIN enrolled_partners e ON e.partner_id = c.partner_id AND c.d >= e.enrolled_on
CROSS JOIN run_params a
-- each of these is the row in effect on d: from its valid_from until the
-- next row's of its partner (and area), a range join on few rows
LEFT JOIN (SELECT *, lead(valid_from, 1, DATE '9999-12-31') OVER (PARTITION BY partner_id ORDER BY valid_from) AS next_from FROM window_periods) w
  ON w.partner_id = c.partner_id AND c.d >= w.valid_from AND c.d < w.next_from
LEFT JOIN (SELECT *, lead(valid_from, 1, DATE '9999-12-31') OVER (PARTITION BY partner_id, solution_area ORDER BY valid_from) AS next_from FROM baseline) b
  ON b.partner_id = c.partner_id AND b.solution_area = c.solution_area AND c.d >= b.valid_from AND c.d < b.next_from
LEFT JOIN (SELECT *, lead(valid_from, 1, DATE '9999-12-31') OVER (PARTITION BY partner_id, solution_area ORDER BY valid_from) AS next_from FROM area_earned_tiers) l
  ON l.partner_id = c.partner_id AND l.solution_area = c.solution_area AND c.d >= l.valid_from AND c.d < l.next_from
WHERE c.d <= a.as_of
