-- The audit windows' fixed levels, up to the day before a reinstatement or
-- the end of the partnership.
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
CROSS JOIN run_params a
LEFT JOIN partner_end x ON x.partner_id = w.partner_id
WHERE w.valid_from <= a.as_of
  AND w.valid_from <= least(w.valid_to, coalesce(w.reinstated_on - 1, w.valid_to), coalesce(x.ended_on - 1, w.valid_to))
