-- materialize: view
-- publish: partner_id, earned_on, source, source_id, component, rule_id
-- RULES.md sections 2-4, 12 and 13 (CONTRACT.md points_ledger): every
-- point-earning row. Its key is (source, source_id, component, rule_id): a
-- booking's or OEM credit's rows by component (rule_id: the multiplier, or
-- on a cap_release the terminated booking whose room it is), a
-- lifecycle claim's base row (rule_id: its activity), and an influence award
-- on the booking it was earned on (source_id: the booking, rule_id: the claim
-- that earned it). tcv_usd is on base rows only, so a sum of it is the TCV.
-- business_model: the event's (a reversal, cap row or multiplier belongs
-- where the row it adjusts belongs).
-- A view: each reader (the levels, the checks, the export) reads the few
-- columns it needs from the tables that hold the rows.
SELECT partner_id, program_year, earned_on, source, source_id, 'base' AS component,
       NULL::VARCHAR AS rule_id, business_model, tcv_usd, points
FROM booking_events WHERE reason IS NULL
UNION ALL
SELECT partner_id, program_year, earned_on, source, source_id, 'multiplier', rule_id, business_model, NULL, points
FROM booking_multipliers
UNION ALL
SELECT partner_id, program_year, earned_on, source, source_id, component, rule_id, business_model, NULL, points
FROM cap_allocation
UNION ALL
SELECT partner_id, program_year, earned_on, source, source_id, 'vendor_termination', NULL, business_model, NULL, points
FROM vendor_terminations
UNION ALL
SELECT partner_id, program_year, approved_on, 'lifecycle', claim_id, 'base', activity, business_model, NULL, points
FROM lifecycle_events WHERE reason IS NULL
UNION ALL
SELECT partner_id, program_year, booked_on, 'influence', booking_id, 'base', claim_id, business_model, tcv_usd, points
FROM influence_awards
UNION ALL
SELECT a.partner_id, a.program_year, a.terminated_on, 'influence', a.booking_id, 'vendor_termination', a.claim_id,
       a.business_model, NULL, -a.points
FROM influence_awards a, run_params r
WHERE a.booking_status = 'vendor_terminated' AND a.terminated_on <= r.as_of
