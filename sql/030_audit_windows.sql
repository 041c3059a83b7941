-- RULES.md section 8 (the part that needs no points): who is audited, good
-- standing on audit_on, the remediation and re-enrollment windows,
-- reinstatement dates and termination. Points decide only the level a
-- partner is reinstated to (131_relevel_chain); the end of a partnership is
-- needed first, because from then on a partner earns nothing.
--
-- Windows, all dates inclusive:
--   remediation: audit_on + 1 .. remediation_until = audit_on + remediation_days
--   re-enrollment: remediation_until + 1 .. reenroll_until = remediation_until + reenroll_days
--   terminated on reenroll_until + 1 when not reinstated.
-- Reinstated on the first day inside a window with good standing (and, in the
-- second window, a `reenrollment_fee` completed after audit_on).
--
-- Audited years: with a migration, the years after its based_on year (the
-- migration replaces based_on's audit, earlier years are not audited);
-- without one, every year. Only audits on or before as_of have happened.
WITH audited_years AS (
    SELECT y.*
    FROM rule_years y, run_params r
    WHERE y.audit_on <= r.as_of
      AND y.year_rank > coalesce((SELECT b.year_rank FROM rule_migration m JOIN rule_years b ON b.program_year = m.based_on), -1)
),
audited AS (
    -- every partner enrolled before the audit and not terminated by then
    SELECT p.partner_id, y.program_year, y.year_rank, y.ends_on, y.audit_on,
           coalesce(s.good_standing, false) AS good_standing_on_audit
    FROM raw_partners p
    JOIN audited_years y ON p.enrolled_on < y.audit_on
    LEFT JOIN (SELECT *, lead(changed_on, 1, DATE '9999-12-31') OVER (PARTITION BY partner_id ORDER BY changed_on) AS next_on FROM standing) s
      ON s.partner_id = p.partner_id AND y.audit_on >= s.changed_on AND y.audit_on < s.next_on
    WHERE p.terminated_on IS NULL OR p.terminated_on > y.audit_on
),
windows AS (
    SELECT a.*,
           CASE WHEN NOT good_standing_on_audit THEN audit_on + r.remediation_days END AS remediation_until,
           CASE WHEN NOT good_standing_on_audit THEN audit_on + r.remediation_days + r.reenroll_days END AS reenroll_until
    FROM audited a, rule_audit r
),
first_window AS (
    -- first day of the remediation window on which the partner is in good standing
    SELECT w.partner_id, w.program_year, min(s.changed_on) AS reinstated_on
    FROM windows w
    JOIN standing s ON s.partner_id = w.partner_id AND s.good_standing
     AND s.changed_on > w.audit_on AND s.changed_on <= w.remediation_until
    GROUP BY ALL
),
second_window_days AS (
    -- candidate days in the re-enrollment window: its first day, and every day
    -- standing changes or the fee is completed inside it
    SELECT w.partner_id, w.program_year, w.audit_on, w.remediation_until + 1 AS d FROM windows w WHERE w.remediation_until IS NOT NULL
    UNION
    SELECT w.partner_id, w.program_year, w.audit_on, s.changed_on FROM windows w
    JOIN standing s ON s.partner_id = w.partner_id AND s.changed_on > w.remediation_until AND s.changed_on <= w.reenroll_until
    UNION
    SELECT w.partner_id, w.program_year, w.audit_on, q.completed_on FROM windows w, rule_audit r
    JOIN raw_requirements q ON q.requirement = r.reenrollment_requirement
    WHERE q.partner_id = w.partner_id AND q.completed_on > w.remediation_until AND q.completed_on <= w.reenroll_until
),
second_window AS (
    SELECT c.partner_id, c.program_year, min(c.d) AS reinstated_on
    FROM second_window_days c
    JOIN (SELECT *, lead(changed_on, 1, DATE '9999-12-31') OVER (PARTITION BY partner_id ORDER BY changed_on) AS next_on FROM standing) s
      ON s.partner_id = c.partner_id AND c.d >= s.changed_on AND c.d < s.next_on
    WHERE s.good_standing
      AND EXISTS (
          SELECT 1 FROM raw_requirements q, rule_audit r
          WHERE q.partner_id = c.partner_id AND q.requirement = r.reenrollment_requirement
            AND q.completed_on > c.audit_on AND q.completed_on <= c.d
            AND coalesce(q.expires_on, DATE '9999-12-31') > c.d)
    GROUP BY ALL
)
SELECT w.partner_id, w.program_year, w.year_rank, w.ends_on, w.audit_on, w.good_standing_on_audit,
       w.remediation_until, w.reenroll_until,
       coalesce(f.reinstated_on, s.reinstated_on) AS reinstated_on,
       f.reinstated_on IS NULL AND s.reinstated_on IS NOT NULL AS reenrolled,
       CASE WHEN NOT w.good_standing_on_audit AND f.reinstated_on IS NULL AND s.reinstated_on IS NULL
            THEN w.reenroll_until + 1 END AS terminated_on
FROM windows w
LEFT JOIN first_window f USING (partner_id, program_year)
LEFT JOIN second_window s USING (partner_id, program_year)
