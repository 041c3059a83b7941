-- RULES.md section 1: program years, and the snapshot date.
-- program_days: every day of every program year with its year, so models
-- find a date's year with an equality (hash) join instead of a range join.

CREATE OR REPLACE TABLE as_of AS SELECT as_of FROM run_params;

-- The program year a snapshot reports: the one containing as_of, or, in a
-- gap between years, the last one that started before it.
CREATE OR REPLACE TABLE as_of_year AS
SELECT y.*
FROM rule_years y, as_of a
WHERE y.starts_on <= a.as_of
ORDER BY y.starts_on DESC
LIMIT 1;

CREATE OR REPLACE TABLE program_days AS
SELECT y.program_year, d::DATE AS day
FROM rule_years y, generate_series(y.starts_on::TIMESTAMP, y.ends_on::TIMESTAMP, INTERVAL 1 DAY) AS g(d);
