-- RULES.md section 14: the tier each partner's credits and capabilities
-- meet on the last day of each re-levelled year (the audit's earned tier).
SELECT partner_id, solution_area, program_year, d AS ends_on, rank_on_requirements
FROM area_evaluations
WHERE is_year_end
