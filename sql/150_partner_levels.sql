-- publish: partner_id
-- RULES.md sections 5, 6 and 7: each partner's points and level on as_of
-- (CONTRACT.md partner_levels), one row per partner enrolled on or before
-- as_of.
--
-- good_standing, earned_level, baseline_level and level are as on as_of
-- (142_level_days). next_level is the level above `level` in
-- as_of's program year (none at the top), and the *_to_next figures are the
-- points short of its thresholds (0 when met). Capability points carry over
-- only while the level is not below community (section 5): a partner at the
-- lowest level counts 0, and so does a terminated one. A terminated partner
-- has level `terminated`, earns nothing and has no earned, baseline or next
-- level; its points of the year are still shown.
WITH on_as_of AS (
    SELECT d.* FROM level_days d, run_params a WHERE d.d = a.as_of
),
levelled AS (
    SELECT p.partner_id, a.as_of, pp.program_year, pp.booking_points, pp.lifecycle_points, pp.influence_points,
           (pp.booking_points + pp.lifecycle_points + pp.influence_points)::DECIMAL(18,2) AS performance_points,
           CASE WHEN o.terminated OR o.level_rank < r.community_rank THEN 0
                ELSE coalesce(c.capability_points, 0)
           END::DECIMAL(18,2) AS capability_points,
           NOT o.terminated AND coalesce(s.good_standing, false) AS good_standing,
           o.earned_rank, o.baseline_rank, o.level_rank, o.terminated
    FROM raw_partners p
    CROSS JOIN run_params a
    CROSS JOIN level_roles r
    JOIN partner_points pp USING (partner_id)
    JOIN on_as_of o USING (partner_id)
    LEFT JOIN partner_capability_points c USING (partner_id)
    LEFT JOIN (SELECT *, lead(changed_on, 1, DATE '9999-12-31') OVER (PARTITION BY partner_id ORDER BY changed_on) AS next_on FROM standing) s
      ON s.partner_id = p.partner_id AND a.as_of >= s.changed_on AND a.as_of < s.next_on
    WHERE p.enrolled_on <= a.as_of
)
SELECT l.partner_id, l.as_of, l.program_year, l.booking_points, l.lifecycle_points, l.influence_points,
       l.performance_points, l.capability_points, l.good_standing,
       earned.level_id AS earned_level, baseline.level_id AS baseline_level,
       CASE WHEN l.terminated THEN 'terminated' ELSE level.level_id END AS level,
       next.level_id AS next_level,
       CASE WHEN next.level_id IS NOT NULL
            THEN greatest(next.min_performance_points - l.performance_points, 0) END::DECIMAL(18,2) AS performance_points_to_next,
       CASE WHEN next.level_id IS NOT NULL
            THEN greatest(next.min_capability_points - l.capability_points, 0) END::DECIMAL(18,2) AS capability_points_to_next
FROM levelled l
LEFT JOIN level_names earned ON earned.level_rank = l.earned_rank
LEFT JOIN level_names baseline ON baseline.level_rank = l.baseline_rank
LEFT JOIN level_names level ON level.level_rank = l.level_rank
LEFT JOIN level_thresholds next
  ON next.program_year = l.program_year AND next.level_rank = l.level_rank + 1 AND NOT l.terminated
