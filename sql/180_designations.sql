-- publish: partner_id, solution_area
-- RULES.md section 14 (CONTRACT.md designations): each partner enrolled on
-- or before as_of in each solution area of as_of's program year: the
-- area's credits of that year to date, the tier earned on as_of and the
-- tier held (NULL: none; a terminated partner holds none), whether it is
-- badged (only the top tier may be), the tier above it (the lowest when
-- it holds none; none at the top) and the credits it is short of that
-- tier's min_credits (0 when met; its capabilities are in the rulebook).
-- A pair not in area_pairs has no row in designation_days: no tier, earned
-- or held.
WITH on_as_of AS (
    SELECT d.* FROM designation_days d, run_params a WHERE d.d = a.as_of
),
credits AS (
    SELECT c.partner_id, c.solution_area, arg_max(c.credits, c.earned_on) AS credits
    FROM area_credits c JOIN as_of_year y USING (program_year)
    GROUP BY ALL
)
SELECT p.partner_id, a.as_of, y.program_year, ar.solution_area,
       coalesce(c.credits, 0)::DECIMAL(18,2) AS credits,
       earned.tier_id AS earned_tier, tier.tier_id AS tier,
       coalesce(tier.badged, false) AS badged,
       next.tier_id AS next_tier,
       CASE WHEN next.tier_id IS NOT NULL
            THEN greatest(next.min_credits - coalesce(c.credits, 0), 0) END::DECIMAL(18,2) AS credits_to_next
FROM raw_partners p
CROSS JOIN run_params a
CROSS JOIN as_of_year y
JOIN rule_areas ar ON ar.program_year = y.program_year
LEFT JOIN on_as_of o ON o.partner_id = p.partner_id AND o.solution_area = ar.solution_area
LEFT JOIN partner_end x ON x.partner_id = p.partner_id
LEFT JOIN credits c ON c.partner_id = p.partner_id AND c.solution_area = ar.solution_area
LEFT JOIN rule_area_tiers earned
  ON earned.program_year = y.program_year AND earned.solution_area = ar.solution_area AND earned.tier_rank = o.earned_rank
LEFT JOIN rule_area_tiers tier
  ON tier.program_year = y.program_year AND tier.solution_area = ar.solution_area AND tier.tier_rank = o.tier_rank
LEFT JOIN rule_area_tiers next
  ON next.program_year = y.program_year AND next.solution_area = ar.solution_area
 AND next.tier_rank = coalesce(o.tier_rank, -1) + 1 AND NOT coalesce(x.ended_on <= a.as_of, false)
WHERE p.enrolled_on <= a.as_of
