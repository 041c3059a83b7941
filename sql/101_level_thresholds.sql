
SELECT program_year, level_rank, level_id, coalesce(good_standing, false) AS good_standing,
       coalesce(min_performance_points, 0) AS min_performance_points,
       coalesce(min_capability_points, 0) AS min_capability_points
FROM rule_levels
