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

CREATE OR REPLACE TABLE level_names AS
SELECT level_rank, arg_max(level_id, year_rank) AS level_id
FROM rule_levels JOIN rule_years USING (program_year)
GROUP BY level_rank
ORDER BY level_rank;

CREATE OR REPLACE TABLE level_thresholds AS
SELECT program_year, level_rank, level_id, coalesce(good_standing, false) AS good_standing,
       coalesce(min_performance_points, 0) AS min_performance_points,
       coalesce(min_capability_points, 0) AS min_capability_points
FROM rule_levels
ORDER BY program_year, level_rank;

CREATE OR REPLACE TABLE level_roles AS
SELECT min(level_rank) AS lowest_rank,
       min(level_rank) FILTER (WHERE level_rank > (SELECT min(level_rank) FROM level_names)) AS community_rank
FROM level_names;

CREATE OR REPLACE TABLE level_years AS
SELECT program_year, year_rank, starts_on, ends_on, audit_on,
       CASE WHEN year_rank = min(year_rank) OVER () THEN '-infinity'::DATE ELSE starts_on END AS counts_from
FROM rule_years
ORDER BY year_rank;

-- RULES.md sections 8 and 9: the years whose levels are re-set after they
-- end, and when. With a migration: its based_on year (on migrated_on: the
-- migration takes the place of that year's audit) and every later year (at
-- audit_on); earlier years are never re-levelled. Without one: every year.
CREATE OR REPLACE TABLE relevel_years AS
SELECT y.program_year, y.year_rank, y.starts_on, y.ends_on,
       CASE WHEN y.program_year = m.based_on THEN 'migration' ELSE 'audit' END AS relevel,
       CASE WHEN y.program_year = m.based_on THEN m.migrated_on ELSE y.audit_on END AS relevel_on
FROM rule_years y
LEFT JOIN rule_migration m ON true
LEFT JOIN rule_years b ON b.program_year = m.based_on
WHERE y.year_rank >= coalesce(b.year_rank, y.year_rank)
ORDER BY y.year_rank;
