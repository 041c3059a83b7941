-- materialize: view
-- RULES.md sections 2-4, 12 and 13: every point-earning row, as published in
-- points_ledger (080_points_ledger), with the solution of its event for the
-- solution areas (section 14): a booking's or OEM credit's, and on an
-- influence award the booking's; a lifecycle claim has none.
-- A view: each reader (the levels, the areas, the checks, the export) reads
-- the few columns it needs from the tables that hold the rows.
SELECT partner_id, program_year, earned_on, source, source_id, 'base' AS component,
       NULL::VARCHAR AS rule_id, business_model, tcv_usd, points, solution
FROM booking_events WHERE reason IS NULL
UNION ALL
SELECT partner_id, program_year, earned_on, source, source_id, 'multiplier', rule_id, business_model, NULL, points, solution
FROM booking_multipliers
UNION ALL
SELECT partner_id, program_year, earned_on, source, source_id, component, rule_id, business_model, NULL, points, solution
FROM cap_allocation
UNION ALL
SELECT partner_id, program_year, earned_on, source, source_id, 'vendor_termination', NULL, business_model, NULL, points, solution
FROM vendor_terminations
UNION ALL
SELECT partner_id, program_year, approved_on, 'lifecycle', claim_id, 'base', activity, business_model, NULL, points, NULL
FROM lifecycle_events WHERE reason IS NULL
UNION ALL
SELECT partner_id, program_year, booked_on, 'influence', booking_id, 'base', claim_id, business_model, tcv_usd, points, solution
FROM influence_awards
UNION ALL
SELECT a.partner_id, a.program_year, a.terminated_on, 'influence', a.booking_id, 'vendor_termination', a.claim_id,
       a.business_model, NULL, -a.points, a.solution
FROM influence_awards a, run_params r
WHERE a.booking_status = 'vendor_terminated' AND a.terminated_on <= r.as_of
