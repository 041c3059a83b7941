-- materialize: view
-- RULES.md section 4: an influence claim counts only when approved, and a
-- poc or technical_assessment only if approved on or before work started
-- (no retroactive claims). claim_reason: why it does not (NULL when it does).
SELECT c.*,
       CASE
           WHEN c.status <> 'approved' THEN 'not_approved'
           WHEN c.kind IN ('poc', 'technical_assessment') AND c.work_started_on < c.approved_on THEN 'retroactive_claim'
       END AS claim_reason
FROM raw_influence_claims c, run_params r
WHERE c.status <> 'approved' OR c.approved_on <= r.as_of
