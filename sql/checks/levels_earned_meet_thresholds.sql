-- RULES.md section 7: earned_level on as_of is the highest level all of whose
-- requirements hold on as_of, recomputed here from partner_points,
-- partner_capability_points and valid_capabilities (not from the change
-- points 113_level_evaluations evaluates). Terminated partners earn nothing.
WITH facts AS (
    SELECT l.partner_id, l.program_year, l.performance_points, l.good_standing, l.earned_level,
           coalesce(c.capability_points, 0) AS capability_points
    FROM partner_levels l
    LEFT JOIN partner_capability_points c USING (partner_id)
    WHERE l.level <> 'terminated'
),
met AS (
    SELECT f.partner_id, max(t.level_rank) AS earned_rank
    FROM facts f
    JOIN level_thresholds t
      ON t.program_year = f.program_year
     AND (f.good_standing OR NOT t.good_standing)
     AND f.performance_points >= t.min_performance_points
     AND f.capability_points >= t.min_capability_points
    WHERE NOT EXISTS (
        SELECT 1 FROM rule_level_capabilities r
        WHERE r.program_year = t.program_year AND r.level_id = t.level_id
          AND r.min_count > (SELECT count(*) FROM valid_capabilities v
                             WHERE v.partner_id = f.partner_id AND v.kind = r.kind))
    GROUP BY f.partner_id
)
SELECT f.partner_id, f.earned_level, n.level_id AS recomputed
FROM facts f
LEFT JOIN met m USING (partner_id)
LEFT JOIN level_names n ON n.level_rank = m.earned_rank
WHERE f.earned_level IS DISTINCT FROM n.level_id
UNION ALL
SELECT partner_id, earned_level, NULL
FROM partner_levels
WHERE level = 'terminated' AND earned_level IS NOT NULL
