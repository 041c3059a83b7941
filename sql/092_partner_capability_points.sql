
SELECT v.partner_id, coalesce(sum(r.points), 0)::DECIMAL(18,2) AS capability_points
FROM valid_capabilities v
CROSS JOIN as_of_year y
LEFT JOIN rule_capability_points r ON r.program_year = y.program_year AND r.kind = v.kind
GROUP BY ALL
