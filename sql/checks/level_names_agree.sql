-- RULES.md section 7: every program year names and orders its levels alike
-- (overrides change thresholds only), so a rank means one level throughout.
SELECT l.program_year, l.level_rank, l.level_id, n.level_id AS expected
FROM rule_levels l
LEFT JOIN level_names n USING (level_rank)
WHERE l.level_id IS DISTINCT FROM n.level_id
