-- disable_optimizers: build_side_probe_side
-- (DuckDB's row estimates would build the hash tables of the range joins to
-- the window periods and baseline events on the change days, not on the
-- fewer rows they look up.)
-- The level on every day it may change, up to as_of.
WITH change_days AS (
    SELECT partner_id, valid_from AS d FROM earned_levels
    UNION
    SELECT partner_id, valid_from FROM baseline_events
    UNION
    SELECT partner_id, valid_from FROM window_periods
    UNION
    SELECT partner_id, valid_to + 1 FROM window_periods
    UNION
    SELECT partner_id, ended_on FROM enrolled_partners WHERE ended_on IS NOT NULL
    UNION
    SELECT partner_id, a.as_of FROM enrolled_partners, run_params a
)
SELECT c.partner_id, c.d,
       held_rank(e.ended_on, c.d, w.valid_to, w.level_rank, b.baseline_rank, l.best_rank_in_year) AS level_rank,
       coalesce(e.ended_on <= c.d, false) AS terminated,
       CASE WHEN e.ended_on <= c.d THEN NULL ELSE b.baseline_rank END AS baseline_rank,
       CASE WHEN e.ended_on <= c.d THEN NULL ELSE l.earned_rank END AS earned_rank,
       held_reason(e.ended_on, c.d, w.valid_from, w.reason, b.valid_from, b.reason) AS reason
FROM change_days c
JOIN enrolled_partners e ON e.partner_id = c.partner_id AND c.d >= e.enrolled_on
CROSS JOIN run_params a
-- each of these is the row in effect on d: from its valid_from until the
-- partner's next row's (a range join on the partner, which has few rows)
LEFT JOIN (SELECT *, lead(valid_from, 1, DATE '9999-12-31') OVER (PARTITION BY partner_id ORDER BY valid_from) AS next_from
           FROM window_periods) w
  ON w.partner_id = c.partner_id AND c.d >= w.valid_from AND c.d < w.next_from
LEFT JOIN (SELECT *, lead(valid_from, 1, DATE '9999-12-31') OVER (PARTITION BY partner_id ORDER BY valid_from) AS next_from
           FROM baseline_events) b
  ON b.partner_id = c.partner_id AND c.d >= b.valid_from AND c.d < b.next_from
LEFT JOIN (SELECT *, lead(valid_from, 1, DATE '9999-12-31') OVER (PARTITION BY partner_id ORDER BY valid_from) AS next_from
           FROM earned_levels) l
  ON l.partner_id = c.partner_id AND c.d >= l.valid_from AND c.d < l.next_from
WHERE c.d <= a.as_of
