-- The days to evaluate: every change day of an enrolled partner up to as_of
-- (and before its partnership ended: from then on it is terminated), and the
-- last day of every re-levelled year that has ended.
WITH change_days AS (
    SELECT partner_id, d FROM partner_change_days
    UNION
    SELECT partner_id, earned_on FROM performance_to_date
),
timeline AS (
    SELECT c.partner_id, c.d
    FROM change_days c JOIN enrolled_partners e USING (partner_id)
    WHERE c.d BETWEEN e.enrolled_on AND e.last_day
),
year_ends AS (
    SELECT e.partner_id, y.ends_on AS d
    FROM enrolled_partners e
    CROSS JOIN relevel_years y
    CROSS JOIN run_params a
    WHERE y.ends_on < a.as_of
)
SELECT partner_id, d, bool_or(in_timeline) AS in_timeline, bool_or(NOT in_timeline) AS is_year_end
FROM (SELECT partner_id, d, true AS in_timeline FROM timeline
      UNION ALL
      SELECT partner_id, d, false FROM year_ends)
GROUP BY partner_id, d
