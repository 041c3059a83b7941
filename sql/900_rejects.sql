-- The rejected input rows, as extract recorded them (CONTRACT.md rejects).
CREATE OR REPLACE TABLE rejects AS
SELECT "table", row_number, key, reason, detail, raw FROM raw_rejects ORDER BY "table", row_number;
