
SELECT partner_id, program_year, d AS ends_on, rank_in_good_standing, rank_without_standing
FROM level_evaluations
WHERE is_year_end
