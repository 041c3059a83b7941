-- publish: program_year, level_rank
-- RULES.md section 7: each program year's levels, after its overrides, with
-- absent thresholds as 0. Published with the snapshot, so that its readers
-- (the report, explain, the dashboard) need nothing outside it.
SELECT program_year, level_rank, level_id, coalesce(good_standing, false) AS good_standing,
       coalesce(min_performance_points, 0) AS min_performance_points,
       coalesce(min_capability_points, 0) AS min_capability_points
FROM rule_levels
