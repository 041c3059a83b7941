-- Every ledger row belongs to a program year.
SELECT source, source_id, component, rule_id, partner_id, earned_on FROM points_ledger WHERE program_year IS NULL
