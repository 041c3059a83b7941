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
WITH events AS (
    SELECT p.partner_id, p.enrolled_on AS valid_from, r.lowest_rank AS baseline_rank, 'earned' AS reason, 0 AS priority
    FROM raw_partners p, level_roles r, run_params a
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
    FROM relevel_chain c, level_roles r, run_params a
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
