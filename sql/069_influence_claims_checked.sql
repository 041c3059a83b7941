-- materialize: view
-- RULES.md section 4: an influence claim counts only when approved, and a
-- poc or technical_assessment only if approved on or before work started
-- (no retroactive claims). claim_reason: why it does not (NULL when it does).
SELECT c.*, claim_reason(c.status, c.kind, c.approved_on, c.work_started_on) AS claim_reason
FROM raw_influence_claims c, run_params r
WHERE c.status <> 'approved' OR c.approved_on <= r.as_of
