-- RULES.md sections 1 and 5: a partner's points on as_of.
-- Performance points reset each program year: the ledger rows of as_of's
-- program year (earned on or before as_of; the ledger holds nothing later).
-- booking_points include OEM credits, multipliers, the cap and terminations.
-- Capability points: capabilities valid on as_of (achieved_on <= as_of and no
-- expires_on <= as_of), each capability_id once, points per kind from the
-- rules of as_of's year.

CREATE OR REPLACE TABLE partner_points AS
SELECT p.partner_id, y.program_year,
       coalesce(sum(l.points) FILTER (WHERE l.source IN ('booking', 'oem_credit')), 0)::DECIMAL(18,2) AS booking_points,
       coalesce(sum(l.points) FILTER (WHERE l.source = 'lifecycle'), 0)::DECIMAL(18,2) AS lifecycle_points,
       coalesce(sum(l.points) FILTER (WHERE l.source = 'influence'), 0)::DECIMAL(18,2) AS influence_points
FROM raw_partners p
CROSS JOIN as_of_year y
LEFT JOIN points_ledger l ON l.partner_id = p.partner_id AND l.program_year = y.program_year
GROUP BY ALL;

CREATE OR REPLACE TABLE valid_capabilities AS
SELECT partner_id, capability_id, arg_max(kind, achieved_on) AS kind
FROM raw_capabilities, as_of a
WHERE achieved_on <= a.as_of AND (expires_on IS NULL OR expires_on > a.as_of)
GROUP BY ALL;

CREATE OR REPLACE TABLE partner_capability_points AS
SELECT v.partner_id, coalesce(sum(r.points), 0)::DECIMAL(18,2) AS capability_points
FROM valid_capabilities v
CROSS JOIN as_of_year y
LEFT JOIN rule_capability_points r ON r.program_year = y.program_year AND r.kind = v.kind
GROUP BY ALL;
