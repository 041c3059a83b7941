-- RULES.md sections 8 and 11: the day each partnership ended, if it has:
-- partners.terminated_on, or the day after the second window of the first audit it did not survive (on a
-- tie, the reason first in text order, whatever the order of the rows).
SELECT partner_id, min(ended_on) AS ended_on, arg_min(reason, (ended_on, reason)) AS reason
FROM (
    SELECT partner_id, terminated_on AS ended_on, 'partners.terminated_on' AS reason
    FROM raw_partners WHERE terminated_on IS NOT NULL
    UNION ALL
    SELECT partner_id, terminated_on, 'audit ' || program_year
    FROM audit_windows WHERE terminated_on IS NOT NULL
)
GROUP BY partner_id
