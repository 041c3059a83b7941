-- RULES.md section 1: program years, and the snapshot date.
-- year_of_date: for any date, the program year that contains it (none for a
-- date in no year). Models join it instead of repeating the BETWEEN.

CREATE OR REPLACE TABLE as_of AS SELECT as_of FROM run_params;

-- The program year a snapshot reports: the one containing as_of, or, in a
-- gap between years, the last one that started before it.
CREATE OR REPLACE TABLE as_of_year AS
SELECT y.*
FROM rule_years y, as_of a
WHERE y.starts_on <= a.as_of
ORDER BY y.starts_on DESC
LIMIT 1;
