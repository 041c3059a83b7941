-- disable_optimizers: build_side_probe_side
-- (DuckDB's row estimates would build the hash table of the join to the met
-- requirements on the (partner, day, area, tier) rows, not on the fewer met ones.)
-- RULES.md section 14: which tiers' capability requirements a partner meets
-- in each solution area, as change points: from valid_from on, until the
-- partner's next row of the area, bit r of tier_ranks is set when the tier
-- of rank r is met. A requirement row (rule_tier_capabilities) counts the
-- partner's valid capabilities that match it: any_of and all_of rows their
-- capability id, kind rows the capabilities of that kind (only the area's
-- own, when the area lists its capabilities). A tier is met when each
-- all_of and kind row has min_count and, if it has any_of rows, one of them
-- has one. Valid on D: 106_capabilities_on_days. Every partner has a row per area at each year's start,
-- where the year's requirements may change. Only pairs that can meet a
-- tier have rows (candidates): a missing pair meets no tier on any day.
WITH dated AS (
    SELECT partner_id, d, program_year FROM capability_days
),
valid AS (
    SELECT partner_id, d, program_year, capability_id, kind FROM capabilities_on_days
),
listed AS (
    SELECT DISTINCT program_year, solution_area FROM rule_area_capabilities
),
matchers AS (
    -- what each requirement row counts: the capability match_id (NULL:
    -- any id, any_id) of kind match_kind (NULL: any kind); distinct, so
    -- that a valid capability meets each at most once
    SELECT DISTINCT r.program_year, r.solution_area, r.tier_id, r.requirement, r.value, r.min_count,
           CASE WHEN r.requirement <> 'kind' THEN r.value ELSE c.capability_id END AS match_id,
           CASE WHEN r.requirement = 'kind' THEN r.value END AS match_kind,
           r.requirement = 'kind' AND l.solution_area IS NULL AS any_id
    FROM rule_tier_capabilities r
    LEFT JOIN listed l ON l.program_year = r.program_year AND l.solution_area = r.solution_area
    LEFT JOIN rule_area_capabilities c
      ON r.requirement = 'kind' AND c.program_year = r.program_year
     AND c.solution_area = r.solution_area AND c.kind = r.value
),
matches AS (
    -- a valid capability that counts for a requirement row (two equality
    -- joins: by id, and by kind where any id counts). The branches take
    -- disjoint matchers (an any_id matcher has no match_id), and a partner
    -- has a capability once on a day, so no row comes twice.
    SELECT v.partner_id, v.d, m.solution_area, m.tier_id, m.requirement, m.value, m.min_count, v.capability_id
    FROM valid v
    JOIN matchers m ON m.program_year = v.program_year AND m.match_id = v.capability_id
    WHERE m.match_kind IS NULL OR m.match_kind = v.kind
    UNION ALL
    SELECT v.partner_id, v.d, m.solution_area, m.tier_id, m.requirement, m.value, m.min_count, v.capability_id
    FROM valid v
    JOIN matchers m ON m.program_year = v.program_year AND m.any_id AND m.match_kind = v.kind
),
row_held AS (
    -- how many capabilities count for each requirement row the partner has any for
    SELECT partner_id, d, solution_area, tier_id, requirement, value, min_count, count(*) AS held
    FROM matches
    GROUP BY ALL
),
tier_held AS (
    -- per tier: its all_of ids held, whether one of its any_of ids is, its kind rows met
    SELECT partner_id, d, solution_area, tier_id,
           count(*) FILTER (WHERE requirement = 'all_of') AS all_of,
           count(*) FILTER (WHERE requirement = 'any_of') > 0 AS any_of,
           count(*) FILTER (WHERE requirement = 'kind' AND held >= min_count) AS kinds
    FROM row_held
    GROUP BY ALL
),
tier_asks AS (
    SELECT program_year, solution_area, tier_id,
           count(*) FILTER (WHERE requirement = 'all_of') AS all_of,
           count(*) FILTER (WHERE requirement = 'any_of') > 0 AS any_of,
           count(*) FILTER (WHERE requirement = 'kind') AS kinds
    FROM rule_tier_capabilities
    GROUP BY ALL
),
free_areas AS (
    -- areas with a tier that asks for no capability: every partner meets it
    SELECT DISTINCT t.solution_area
    FROM rule_area_tiers t
    ANTI JOIN tier_asks a ON a.program_year = t.program_year AND a.solution_area = t.solution_area AND a.tier_id = t.tier_id
),
candidates AS (
    -- the partner and area pairs that can meet a tier on some day; every
    -- other pair meets none on any day, and its readers take no row as 0
    SELECT DISTINCT partner_id, solution_area FROM tier_held
    UNION
    SELECT p.partner_id, f.solution_area FROM raw_partners p CROSS JOIN free_areas f
),
pair_days AS MATERIALIZED (
    -- the candidates' change dates (held apart so that the join starts from
    -- the few candidate pairs, not from every partner's dates times every tier)
    SELECT c.partner_id, c.solution_area, s.d, s.program_year
    FROM candidates c JOIN dated s USING (partner_id)
)
SELECT s.partner_id, s.solution_area, s.d AS valid_from, s.program_year,
       coalesce(bit_or(1::UBIGINT << t.tier_rank::UBIGINT)
                    FILTER (WHERE coalesce(h.all_of, 0) = coalesce(a.all_of, 0)
                              AND (NOT coalesce(a.any_of, false) OR coalesce(h.any_of, false))
                              AND coalesce(h.kinds, 0) = coalesce(a.kinds, 0)), 0::UBIGINT) AS tier_ranks
FROM pair_days s
JOIN rule_area_tiers t ON t.program_year = s.program_year AND t.solution_area = s.solution_area
LEFT JOIN tier_asks a ON a.program_year = t.program_year AND a.solution_area = t.solution_area AND a.tier_id = t.tier_id
LEFT JOIN tier_held h
  ON h.partner_id = s.partner_id AND h.d = s.d AND h.solution_area = t.solution_area AND h.tier_id = t.tier_id
GROUP BY ALL
