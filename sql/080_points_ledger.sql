-- The points ledger (CONTRACT.md points_ledger) and the denials: every
-- point-earning row, and every event that earned nothing with its reason.
-- entry_id is stable across runs: source, source id, component (and the
-- booking of an influence row, the rule of a booking's), see
-- ledger_entry_id in 000_macros.sql. Row order is set once, when the
-- snapshot is written (engine.Export sorts ledger_rows, then builds entry_id).
--
-- A view, not a table: its readers (the points and levels models, the checks,
-- the export) each need a few of its columns, and a 2M-row copy of all of them
-- per 1M bookings cost a second. entry_id is only built where it is read.

CREATE OR REPLACE VIEW ledger_rows AS
SELECT partner_id, program_year, earned_on, source, source_id, component, rule_id,
       tcv_usd, points, CASE WHEN source = 'booking' THEN source_id END AS booking_id
FROM booking_points
UNION ALL
SELECT partner_id, program_year, approved_on, 'lifecycle', claim_id, 'base', activity, NULL, points, NULL
FROM lifecycle_events WHERE reason IS NULL
UNION ALL
SELECT partner_id, program_year, booked_on, 'influence', claim_id, 'base', kind, tcv_usd,
       round_half_away(tcv_usd::DECIMAL(38,6) * points_per_usd * influence_rate,
                       tcv_usd::DOUBLE * points_per_usd::DOUBLE * influence_rate::DOUBLE, 0.01)::DECIMAL(18,2), booking_id
FROM influence_awards
UNION ALL
SELECT a.partner_id, a.program_year, a.terminated_on, 'influence', a.claim_id, 'vendor_termination', NULL, a.tcv_usd,
       -round_half_away(a.tcv_usd::DECIMAL(38,6) * a.points_per_usd * a.influence_rate,
                        a.tcv_usd::DOUBLE * a.points_per_usd::DOUBLE * a.influence_rate::DOUBLE, 0.01)::DECIMAL(18,2), a.booking_id
FROM influence_awards a, as_of s
WHERE a.booking_status = 'vendor_terminated' AND a.terminated_on <= s.as_of;

CREATE OR REPLACE VIEW points_ledger AS
SELECT ledger_entry_id(source, source_id, booking_id, component, rule_id) AS entry_id, *
FROM ledger_rows;

CREATE OR REPLACE TABLE denials AS
SELECT DISTINCT partner_id, source, source_id, reason, detail
FROM (
    SELECT partner_id, source, source_id, reason, NULL::VARCHAR AS detail FROM booking_denials
    UNION ALL
    SELECT partner_id, 'lifecycle', claim_id, reason, activity FROM lifecycle_events WHERE reason IS NOT NULL
    UNION ALL
    SELECT partner_id, 'influence', claim_id, claim_reason, NULL FROM influence_claim_checks WHERE claim_reason IS NOT NULL
    UNION ALL
    SELECT partner_id, 'influence', claim_id, reason, detail FROM influence_denials
);

DROP TABLE booking_denials;
DROP TABLE influence_denials;
DROP TABLE influence_claim_checks;
