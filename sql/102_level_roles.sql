
SELECT min(level_rank) AS lowest_rank,
       min(level_rank) FILTER (WHERE level_rank > (SELECT min(level_rank) FROM level_names)) AS community_rank
FROM level_names
