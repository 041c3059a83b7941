-- RULES.md section 14: each solution area's tiers by rank, as the models
-- below name them. A program year's overrides change a tier's requirements,
-- never its id or place (the rulebook refuses it), so one id per rank.
SELECT solution_area, tier_rank, arg_max(tier_id, year_rank) AS tier_id
FROM rule_area_tiers JOIN rule_years USING (program_year)
GROUP BY solution_area, tier_rank
