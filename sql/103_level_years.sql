
SELECT program_year, year_rank, starts_on, ends_on, audit_on,
       CASE WHEN year_rank = min(year_rank) OVER () THEN '-infinity'::DATE ELSE starts_on END AS counts_from
FROM rule_years
