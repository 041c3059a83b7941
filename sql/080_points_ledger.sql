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
-- The rows are 079_earning_rows without the solution, which CONTRACT.md
-- does not name. source and component are ENUMs of the values CONTRACT.md
-- gives them, declared in their text order so that they sort as the text
-- does: the export sorts and writes them as one-byte codes, and Parquet
-- holds the same strings.
SELECT partner_id, program_year, earned_on,
       source::ENUM('booking', 'influence', 'lifecycle', 'oem_credit') AS source, source_id,
       component::ENUM('base', 'cap_release', 'multiplier', 'perpetual_cap', 'vendor_termination') AS component,
       rule_id, business_model, tcv_usd, points
FROM earning_rows
