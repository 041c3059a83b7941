-- RULES.md section 1: every day of every program year with its year, so a
-- date finds its year with an equality join instead of a range join.
SELECT y.program_year, d::DATE AS day
FROM rule_years y, generate_series(y.starts_on::TIMESTAMP, y.ends_on::TIMESTAMP, INTERVAL 1 DAY) AS g(d)
