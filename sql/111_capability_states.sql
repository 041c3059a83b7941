-- disable_optimizers: build_side_probe_side
-- (DuckDB's row estimates would build the hash table of levels_met's anti
-- join on the (partner, day, level) rows, not on the fewer rows of kinds_short.)
-- Capability change points: from valid_from on, until the partner's next row,
-- the partner has capability_points and meets the capability requirements
-- (points and kinds) of the levels in capability_ranks, a set of level
-- ranks as bits (bit r set: rank r is met; the rulebook allows at most 64
-- levels). Every partner has a row at each year's start, where the points
-- per kind may change. (A bit set rather than a list: an ordered list
-- aggregate buffers every group's values until it sorts them; bit_or's
-- state is one number.)
WITH dated AS (
    SELECT partner_id, d, program_year FROM capability_days
),
valid AS (
    SELECT partner_id, d, capability_id, kind FROM capabilities_on_days
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
    SELECT s.partner_id, s.d, bit_or(1::UBIGINT << l.level_rank::UBIGINT) AS capability_ranks
    FROM capability_points s
    JOIN level_thresholds l ON l.program_year = s.program_year AND s.capability_points >= l.min_capability_points
    ANTI JOIN kinds_short k ON k.partner_id = s.partner_id AND k.d = s.d AND k.level_id = l.level_id
    GROUP BY ALL
)
SELECT s.partner_id, s.d AS valid_from, s.program_year, s.capability_points, m.capability_ranks
FROM capability_points s
JOIN levels_met m USING (partner_id, d)
