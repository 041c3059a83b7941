-- publish: partner_id, program_year
-- CONTRACT.md audits: one row per partner and audit on or before as_of.
-- remediation_until is the first window's deadline, set at the audit;
-- reenroll_until once the partner entered the second window unreinstated;
-- reinstated_on and terminated_on once they happened. terminated_on is the
-- day the partnership ended if that was inside this audit's windows (the end
-- of the second window, or partners.terminated_on during a window).
SELECT c.partner_id, c.program_year, c.relevel_on AS audit_on,
       previous.level_id AS previous_level, earned.level_id AS earned_level, c.outcome,
       after.level_id AS level_after,
       c.remediation_until,
       CASE WHEN c.remediation_until < a.as_of AND NOT coalesce(c.reinstated_on <= c.remediation_until, false)
            THEN c.reenroll_until END AS reenroll_until,
       c.reinstated_on,
       CASE WHEN c.outcome = 'remediation' AND x.ended_on <= a.as_of
             AND x.ended_on > c.relevel_on AND x.ended_on <= c.reenroll_until + 1
            THEN x.ended_on END AS terminated_on
FROM relevel_chain c
CROSS JOIN run_params a
JOIN level_names previous ON previous.level_rank = c.previous_rank
JOIN level_names earned ON earned.level_rank = c.earned_rank
JOIN level_names after ON after.level_rank = c.level_after_rank
LEFT JOIN partner_end x ON x.partner_id = c.partner_id
WHERE c.relevel = 'audit' AND c.relevelled
