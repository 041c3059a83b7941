-- RULES.md section 14: the tier a partner earns in each solution area on a
-- day: the highest tier (of the day's program year, level_years) whose
-- min_credits the area's credits of that year to date meet, whose
-- capability requirements hold (area_capability_states), in good standing.
-- No tier: rank -1. Only the pairs of area_pairs: elsewhere no tier is
-- ever met.
--
-- As for levels (110-113), the tier is evaluated only on the days it may
-- change: enrollment, a year's start, a capability's achieved_on or
-- expires_on, a standing change, and a day the area's credits cross one of
-- the year's min_credits (kept the way 110_performance_to_date keeps
-- performance points); up to as_of and before the partnership ended. The
-- last day of every re-levelled year that has ended is evaluated too
-- (is_year_end): the audit judges the tier on credits and capabilities as
-- on ends_on (rank_on_requirements), good standing on audit_on.
WITH pair_credits AS (
    SELECT c.* FROM area_credits c
    SEMI JOIN area_pairs a ON a.partner_id = c.partner_id AND a.solution_area = c.solution_area
),
credit_days AS (
    SELECT c.partner_id, c.solution_area, c.earned_on AS d
    FROM pair_credits c
    SEMI JOIN rule_area_tiers t
      ON t.program_year = c.program_year AND t.solution_area = c.solution_area
     AND t.min_credits > least(c.credits, c.credits - c.day_credits)
     AND t.min_credits <= greatest(c.credits, c.credits - c.day_credits)
),
change_days AS (
    SELECT p.partner_id, a.solution_area, p.d FROM partner_change_days p JOIN area_pairs a USING (partner_id)
    UNION
    SELECT partner_id, solution_area, d FROM credit_days
),
timeline AS (
    SELECT c.partner_id, c.solution_area, c.d
    FROM change_days c JOIN enrolled_partners e USING (partner_id)
    WHERE c.d BETWEEN e.enrolled_on AND e.last_day
),
year_ends AS (
    SELECT e.partner_id, a.solution_area, y.ends_on AS d
    FROM enrolled_partners e
    JOIN area_pairs a USING (partner_id)
    CROSS JOIN relevel_years y
    CROSS JOIN run_params r
    WHERE y.ends_on < r.as_of
),
days AS (
    SELECT partner_id, solution_area, d, bool_or(in_timeline) AS in_timeline, bool_or(NOT in_timeline) AS is_year_end
    FROM (SELECT partner_id, solution_area, d, true AS in_timeline FROM timeline
          UNION ALL
          SELECT partner_id, solution_area, d, false FROM year_ends)
    GROUP BY ALL
),
facts AS (
    SELECT e.partner_id, e.solution_area, e.d, e.in_timeline, e.is_year_end, y.program_year,
           coalesce(c.credits, 0) AS credits, coalesce(k.tier_ranks, 0::UBIGINT) AS tier_ranks,
           coalesce(s.good_standing, false) AS good_standing
    FROM days e
    ASOF JOIN level_years y ON e.d >= y.counts_from
    -- each fact is the row of its timeline in effect on d: from its own day
    -- until the next row's (a range join; a pair has few rows in each)
    LEFT JOIN (SELECT *, lead(earned_on, 1, DATE '9999-12-31') OVER (PARTITION BY partner_id, solution_area, program_year ORDER BY earned_on) AS next_on FROM pair_credits) c
      ON c.partner_id = e.partner_id AND c.solution_area = e.solution_area
     AND c.program_year = y.program_year AND e.d >= c.earned_on AND e.d < c.next_on
    LEFT JOIN (SELECT *, lead(valid_from, 1, DATE '9999-12-31') OVER (PARTITION BY partner_id, solution_area ORDER BY valid_from) AS next_on FROM area_capability_states) k
      ON k.partner_id = e.partner_id AND k.solution_area = e.solution_area
     AND e.d >= k.valid_from AND e.d < k.next_on
    LEFT JOIN (SELECT *, lead(changed_on, 1, DATE '9999-12-31') OVER (PARTITION BY partner_id ORDER BY changed_on) AS next_on FROM standing) s
      ON s.partner_id = e.partner_id AND e.d >= s.changed_on AND e.d < s.next_on
)
SELECT f.partner_id, f.solution_area, f.d, f.in_timeline, f.is_year_end, f.program_year, f.credits, f.good_standing,
       coalesce(max(t.tier_rank) FILTER (WHERE (f.tier_ranks >> t.tier_rank::UBIGINT) & 1 = 1), -1) AS rank_on_requirements,
       CASE WHEN f.good_standing THEN rank_on_requirements ELSE -1 END AS earned_rank
-- the tier's capability test filters the aggregate rather than the join: a
-- condition mixing both sides in one expression makes DuckDB join a LEFT
-- JOIN by nested loops instead of by hash
FROM facts f
LEFT JOIN rule_area_tiers t
  ON t.program_year = f.program_year AND t.solution_area = f.solution_area AND f.credits >= t.min_credits
GROUP BY f.partner_id, f.solution_area, f.d, f.in_timeline, f.is_year_end, f.program_year, f.credits, f.good_standing
