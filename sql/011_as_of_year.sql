-- RULES.md section 1: the program year a snapshot reports: the one that
-- contains as_of, or, in a gap between years, the last one started before it.
SELECT y.*, r.as_of
FROM rule_years y, run_params r
WHERE y.starts_on <= r.as_of
ORDER BY y.starts_on DESC
LIMIT 1
