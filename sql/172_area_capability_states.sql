-- RULES.md section 14: which tiers' capability requirements a partner meets
-- in each solution area, as change points: from valid_from on, until the
-- partner's next row of the area, bit r of tier_ranks is set when the tier
-- of rank r is met. A requirement row (rule_tier_capabilities) counts the
-- partner's valid capabilities that match it: any_of and all_of rows their
-- capability id, kind rows the capabilities of that kind (only the area's
-- own, when the area lists its capabilities). A tier is met when each
-- all_of and kind row has min_count and, if it has any_of rows, one of them
-- has one. Valid on D as in 111_capability_states (achieved_on <= D, no
-- expires_on <= D). Every partner has a row per area at each year's start,
-- where the year's requirements may change.
WITH change_dates AS (
    SELECT partner_id, achieved_on AS d FROM raw_capabilities
    UNION
    SELECT partner_id, expires_on FROM raw_capabilities WHERE expires_on IS NOT NULL
    UNION
    SELECT p.partner_id, y.counts_from FROM raw_partners p CROSS JOIN level_years y
),
dated AS (
    SELECT c.partner_id, c.d, y.program_year
    FROM change_dates c
    ASOF JOIN level_years y ON c.d >= y.counts_from
),
valid AS (
    SELECT s.partner_id, s.d, v.capability_id, arg_max(v.kind, v.achieved_on) AS kind
    FROM dated s
    JOIN raw_capabilities v
      ON v.partner_id = s.partner_id AND v.achieved_on <= s.d
     AND (v.expires_on IS NULL OR v.expires_on > s.d)
    GROUP BY ALL
),
listed AS (
    SELECT DISTINCT program_year, solution_area FROM rule_area_capabilities
),
matchers AS (
    -- what each requirement row counts: match_id (NULL: any id) and match_kind (NULL: any kind)
    SELECT r.program_year, r.solution_area, r.tier_id, r.requirement, r.value, r.min_count,
           CASE WHEN r.requirement <> 'kind' THEN r.value ELSE c.capability_id END AS match_id,
           CASE WHEN r.requirement = 'kind' THEN r.value END AS match_kind,
           r.requirement = 'kind' AND l.solution_area IS NULL AS any_id
    FROM rule_tier_capabilities r
    LEFT JOIN listed l ON l.program_year = r.program_year AND l.solution_area = r.solution_area
    LEFT JOIN rule_area_capabilities c
      ON r.requirement = 'kind' AND c.program_year = r.program_year
     AND c.solution_area = r.solution_area AND c.kind = r.value
),
counted AS (
    SELECT s.partner_id, s.d, m.solution_area, m.tier_id, m.requirement, m.value, m.min_count,
           count(DISTINCT v.capability_id) AS held
    FROM dated s
    JOIN matchers m ON m.program_year = s.program_year
    LEFT JOIN valid v
      ON v.partner_id = s.partner_id AND v.d = s.d
     AND (m.any_id OR v.capability_id = m.match_id)
     AND (m.match_kind IS NULL OR v.kind = m.match_kind)
    GROUP BY ALL
),
short AS (
    -- a tier whose capability requirements the partner does not meet on d
    SELECT partner_id, d, solution_area, tier_id
    FROM counted
    GROUP BY ALL
    HAVING bool_or(requirement <> 'any_of' AND held < min_count)
        OR coalesce(sum(held) FILTER (WHERE requirement = 'any_of'), 1) = 0
)
SELECT s.partner_id, t.solution_area, s.d AS valid_from, s.program_year,
       coalesce(bit_or(1::UBIGINT << t.tier_rank) FILTER (WHERE k.tier_id IS NULL), 0::UBIGINT) AS tier_ranks
FROM dated s
JOIN rule_area_tiers t ON t.program_year = s.program_year
LEFT JOIN short k
  ON k.partner_id = s.partner_id AND k.d = s.d AND k.solution_area = t.solution_area AND k.tier_id = t.tier_id
GROUP BY ALL
