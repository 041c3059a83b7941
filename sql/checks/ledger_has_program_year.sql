-- Every ledger row belongs to a program year.
SELECT entry_id, partner_id, earned_on FROM points_ledger WHERE program_year IS NULL
