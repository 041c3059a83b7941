-- RULES.md sections 1 and 5: a partner's points on as_of.
-- Performance points reset each program year: the ledger rows of as_of's
-- program year (earned on or before as_of; the ledger holds nothing later).
-- Booking points include OEM credits, multipliers, the cap and terminations.
-- Capability points: capabilities valid on as_of (achieved_on <= as_of and no
-- expires_on <= as_of), each capability_id once, points per kind from the
-- rules of as_of's year.
SELECT p.partner_id, y.program_year,
       coalesce(sum(l.points) FILTER (WHERE l.source IN ('booking', 'oem_credit')), 0)::DECIMAL(18,2) AS booking_points,
       coalesce(sum(l.points) FILTER (WHERE l.source = 'lifecycle'), 0)::DECIMAL(18,2) AS lifecycle_points,
       coalesce(sum(l.points) FILTER (WHERE l.source = 'influence'), 0)::DECIMAL(18,2) AS influence_points
FROM raw_partners p
CROSS JOIN as_of_year y
LEFT JOIN points_ledger l ON l.partner_id = p.partner_id AND l.program_year = y.program_year
GROUP BY ALL
