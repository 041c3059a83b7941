-- publish: "table", row_number, key, reason, detail
-- CONTRACT.md rejects: the rejected input rows, as extract recorded them.
SELECT "table", row_number, key, reason, detail, raw FROM raw_rejects
