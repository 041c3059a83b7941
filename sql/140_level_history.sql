-- RULES.md sections 7 and 8: the level on every day up to as_of, and its
-- history (CONTRACT.md level_history).
--
-- Level on D:
--   `terminated` from the day the partnership ended (partner_end);
--   inside an audit window and not yet reinstated, the window's level,
--   whatever was earned: from audit_on through remediation_until the audit's
--   level_after, then through reenroll_until the lowest level;
--   otherwise the highest of the baseline on D and best_rank_in_year on D
--   (every level earned on a day of D's program year up to D).
-- The baseline on D is the latest of (baseline_events):
--   enrollment            the lowest level (a partner enrolled after the
--                         latest re-leveling starts there)
--   carried               from a re-levelled year's last day until its
--                         re-leveling, the level held on that last day
--   migration, audit      the re-leveling's level_after
--   remediation           (an audit not in good standing) its level_after
--   reenrollment          the lowest level, from the second window on
--   reinstated            the audit's earned level, from reinstated_on
-- The level only changes on a day one of those, a window or the earned
-- levels change; it is evaluated on those days only (level_changes), and a
-- period's reason is the event of its first day (`earned` when the level
-- rose because it was earned). valid_to is a period's last day, inclusive;
-- null for the period that contains as_of.

CREATE OR REPLACE TABLE baseline_events AS
WITH events AS (
    SELECT p.partner_id, p.enrolled_on AS valid_from, r.lowest_rank AS baseline_rank, 'earned' AS reason, 0 AS priority
    FROM raw_partners p, level_roles r, as_of a
    WHERE p.enrolled_on <= a.as_of
    UNION ALL
    SELECT c.partner_id, c.ends_on + 1, c.previous_rank, 'carried', 1
    FROM relevel_chain c JOIN raw_partners p USING (partner_id)
    WHERE p.enrolled_on <= c.ends_on
    UNION ALL
    SELECT partner_id, relevel_on, level_after_rank,
           CASE WHEN outcome IN ('migration', 'remediation') THEN outcome ELSE 'audit' END, 2
    FROM relevel_chain
    WHERE relevelled
    UNION ALL
    SELECT c.partner_id, c.remediation_until + 1, r.lowest_rank, 'reenrollment', 3
    FROM relevel_chain c, level_roles r, as_of a
    WHERE c.remediation_until < a.as_of
      AND NOT coalesce(c.reinstated_on <= c.remediation_until + 1, false)
    UNION ALL
    SELECT partner_id, reinstated_on, earned_rank, 'reinstated', 4
    FROM relevel_chain
    WHERE reinstated_on IS NOT NULL
)
SELECT partner_id, valid_from, baseline_rank, reason
FROM events
QUALIFY row_number() OVER (PARTITION BY partner_id, valid_from ORDER BY priority DESC, baseline_rank DESC, reason) = 1
ORDER BY partner_id, valid_from;

-- The audit windows' fixed levels, up to the day before a reinstatement or
-- the end of the partnership.
CREATE OR REPLACE TABLE window_periods AS
WITH windows AS (
    SELECT c.partner_id, c.relevel_on AS valid_from, c.remediation_until AS valid_to,
           c.level_after_rank AS level_rank, 'remediation' AS reason, c.reinstated_on
    FROM relevel_chain c
    WHERE c.outcome = 'remediation'
    UNION ALL
    SELECT c.partner_id, c.remediation_until + 1, c.reenroll_until, r.lowest_rank, 'reenrollment', c.reinstated_on
    FROM relevel_chain c, level_roles r
    WHERE c.outcome = 'remediation'
)
SELECT w.partner_id, w.valid_from,
       least(w.valid_to, coalesce(w.reinstated_on - 1, w.valid_to), coalesce(x.ended_on - 1, w.valid_to)) AS valid_to,
       w.level_rank, w.reason
FROM windows w
CROSS JOIN as_of a
LEFT JOIN partner_end x ON x.partner_id = w.partner_id
WHERE w.valid_from <= a.as_of
  AND w.valid_from <= least(w.valid_to, coalesce(w.reinstated_on - 1, w.valid_to), coalesce(x.ended_on - 1, w.valid_to))
ORDER BY w.partner_id, w.valid_from;

-- The level on every day it may change, up to as_of.
CREATE OR REPLACE TABLE level_days AS
WITH enrolled AS (
    SELECT p.partner_id, p.enrolled_on, x.ended_on
    FROM raw_partners p
    CROSS JOIN as_of a
    LEFT JOIN partner_end x USING (partner_id)
    WHERE p.enrolled_on <= a.as_of
),
change_days AS (
    SELECT partner_id, valid_from AS d FROM earned_levels
    UNION
    SELECT partner_id, valid_from FROM baseline_events
    UNION
    SELECT partner_id, valid_from FROM window_periods
    UNION
    SELECT partner_id, valid_to + 1 FROM window_periods
    UNION
    SELECT partner_id, ended_on FROM enrolled WHERE ended_on IS NOT NULL
    UNION
    SELECT partner_id, a.as_of FROM enrolled, as_of a
)
SELECT c.partner_id, c.d,
       CASE WHEN e.ended_on <= c.d THEN NULL
            WHEN w.valid_to >= c.d THEN w.level_rank
            ELSE greatest(b.baseline_rank, l.best_rank_in_year)
       END AS level_rank,
       coalesce(e.ended_on <= c.d, false) AS terminated,
       CASE WHEN e.ended_on <= c.d THEN NULL ELSE b.baseline_rank END AS baseline_rank,
       CASE WHEN e.ended_on <= c.d THEN NULL ELSE l.earned_rank END AS earned_rank,
       CASE WHEN e.ended_on = c.d THEN 'terminated'
            WHEN w.valid_from = c.d THEN w.reason
            WHEN b.valid_from = c.d AND b.reason <> 'carried' THEN b.reason
            ELSE 'earned'
       END AS reason
FROM change_days c
JOIN enrolled e ON e.partner_id = c.partner_id AND c.d >= e.enrolled_on
CROSS JOIN as_of a
ASOF LEFT JOIN window_periods w ON w.partner_id = c.partner_id AND c.d >= w.valid_from
ASOF LEFT JOIN baseline_events b ON b.partner_id = c.partner_id AND c.d >= b.valid_from
ASOF LEFT JOIN earned_levels l ON l.partner_id = c.partner_id AND c.d >= l.valid_from
WHERE c.d <= a.as_of;

CREATE OR REPLACE TABLE level_history AS
WITH named AS (
    SELECT d.partner_id, d.d,
           CASE WHEN d.terminated THEN 'terminated' ELSE n.level_id END AS level, d.reason
    FROM level_days d
    LEFT JOIN level_names n ON n.level_rank = d.level_rank
),
periods AS (
    SELECT * FROM named
    QUALIFY level IS DISTINCT FROM lag(level) OVER (PARTITION BY partner_id ORDER BY d)
)
SELECT partner_id, level, d AS valid_from,
       lead(d) OVER (PARTITION BY partner_id ORDER BY d) - 1 AS valid_to,
       reason
FROM periods
ORDER BY partner_id, valid_from;
