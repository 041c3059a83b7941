-- publish: partner_id, benefit
-- RULES.md section 15 (CONTRACT.md benefits): the benefits each partner
-- holds on as_of, since the first day of the period that holds it.
SELECT partner_id, benefit, valid_from AS since
FROM benefit_periods
WHERE holds AND valid_to IS NULL
