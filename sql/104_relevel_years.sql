-- RULES.md sections 8 and 9: the years whose levels are re-set after they
-- end, and when. With a migration: its based_on year (on migrated_on: the
-- migration takes the place of that year's audit) and every later year (at
-- audit_on); earlier years are never re-levelled. Without one: every year.
SELECT y.program_year, y.year_rank, y.starts_on, y.ends_on,
       CASE WHEN y.program_year = m.based_on THEN 'migration' ELSE 'audit' END AS relevel,
       CASE WHEN y.program_year = m.based_on THEN m.migrated_on ELSE y.audit_on END AS relevel_on
FROM rule_years y
LEFT JOIN rule_migration m ON true
LEFT JOIN rule_years b ON b.program_year = m.based_on
WHERE y.year_rank >= coalesce(b.year_rank, y.year_rank)
