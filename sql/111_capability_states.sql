-- Capability change points: from valid_from on, until the partner's next row,
-- the partner has capability_points and meets the capability requirements
-- (points and kinds) of the levels in capability_ranks, a set of level
-- ranks as bits (bit r set: rank r is met; the rulebook allows at most 64
-- levels). Every partner has a row at each year's start, where the points
-- per kind may change. (A bit set rather than a list: an ordered list
-- aggregate buffers every group's values until it sorts them; bit_or's
-- state is one number.)
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
    -- each capability once, its kind from its latest achievement (as 091_valid_capabilities)
    SELECT s.partner_id, s.d, v.capability_id, arg_max(v.kind, v.achieved_on) AS kind
    FROM dated s
    JOIN raw_capabilities v
      ON v.partner_id = s.partner_id AND v.achieved_on <= s.d
     AND (v.expires_on IS NULL OR v.expires_on > s.d)
    GROUP BY ALL
),
kind_counts AS (
    SELECT partner_id, d, kind, count(*) AS capabilities FROM valid GROUP BY ALL
),
capability_points AS (
    SELECT s.partner_id, s.d, s.program_year, coalesce(sum(r.points), 0) AS capability_points
    FROM dated s
    LEFT JOIN valid v USING (partner_id, d)
    LEFT JOIN rule_capability_points r ON r.program_year = s.program_year AND r.kind = v.kind
    GROUP BY ALL
),
kinds_short AS (
    -- a level's required capability kind the partner has too few of
    SELECT s.partner_id, s.d, l.level_id
    FROM capability_points s
    JOIN rule_level_capabilities l ON l.program_year = s.program_year
    LEFT JOIN kind_counts k ON k.partner_id = s.partner_id AND k.d = s.d AND k.kind = l.kind
    WHERE coalesce(k.capabilities, 0) < l.min_count
),
levels_met AS (
    SELECT s.partner_id, s.d, bit_or(1::UBIGINT << l.level_rank) AS capability_ranks
    FROM capability_points s
    JOIN level_thresholds l ON l.program_year = s.program_year AND s.capability_points >= l.min_capability_points
    ANTI JOIN kinds_short k ON k.partner_id = s.partner_id AND k.d = s.d AND k.level_id = l.level_id
    GROUP BY ALL
)
SELECT s.partner_id, s.d AS valid_from, s.program_year, s.capability_points, m.capability_ranks
FROM capability_points s
JOIN levels_met m USING (partner_id, d)
