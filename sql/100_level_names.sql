-- RULES.md section 7: the levels as the models below use them.
--
-- level_names: one id per level_rank (overrides change thresholds, never
-- names or order; checks/level_names_agree.sql holds every year to it).
-- level_thresholds: each year's levels with absent thresholds as 0.
-- level_roles: the two levels RULES.md names by their place, as ranks: the
-- lowest (`community_enrolled` in the example: re-enrollment, new partners,
-- the migration without good standing) and the one above it (`community`:
-- remediation, and the least level whose partners count capability points).
-- level_years: the program year whose thresholds and points count on a day:
-- the year containing it, in a gap between years the last one started
-- before it (as as_of_year does), before the first year the first one
-- (nothing is earned then, but a partner enrolled earlier has a level).
SELECT level_rank, arg_max(level_id, year_rank) AS level_id
FROM rule_levels JOIN rule_years USING (program_year)
GROUP BY level_rank
