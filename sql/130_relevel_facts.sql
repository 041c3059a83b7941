-- RULES.md section 8: the annual audit and re-leveling, chained over the
-- years after the migration (section 9).
--
-- Every re-levelled year Y (relevel_years) that has ended by as_of is one
-- step of a chain, per partner, in year order. A step needs the one before:
--   previous_rank  the level held on Y's ends_on: inside a window of the
--                  last audit and not reinstated, the window's level;
--                  otherwise the highest of the baseline on ends_on (the
--                  last re-leveling's outcome, or its reinstatement) and
--                  every level earned on a day of Y up to ends_on. A partner
--                  not yet enrolled on ends_on counts at the lowest level.
--   level_after    the migration: its migrated level (120_migration_placements); an
--                  audit in good standing on audit_on: the level earned on
--                  ends_on on points and capabilities (promoted, retained or
--                  demoted against previous_rank); not in good standing:
--                  remediation at community, or previous_rank if lower,
--                  with the windows of 030_audit_windows.
-- It carries the step's outcome to the next year as that year's baseline:
-- level_after from audit_on (or migrated_on), the audit's earned level from
-- reinstated_on. There are only a handful of years, so a recursive CTE over
-- all partners at once walks the chain.
--
-- Who is re-levelled: the migration, every partner migration_placements
-- placed; an audit, every partner enrolled before audit_on whose partnership
-- has not ended on or before it (audit_windows lists partners after they
-- ended too). Only re-levelings on or before as_of happened; of the windows,
-- only what happened on or before as_of is known (reinstated_on, the
-- re-enrollment window, terminated_on).
SELECT p.partner_id,
       row_number() OVER (PARTITION BY p.partner_id ORDER BY y.year_rank) AS step,
       y.program_year, y.ends_on, y.relevel, y.relevel_on, p.enrolled_on, x.ended_on,
       CASE WHEN y.relevel = 'migration' THEN m.partner_id IS NOT NULL
            ELSE w.partner_id IS NOT NULL AND (x.ended_on IS NULL OR x.ended_on > y.relevel_on)
       END AS relevelled,
       CASE WHEN b.program_year = y.program_year THEN b.best_rank_in_year END AS best_rank_at_end,
       CASE WHEN y.relevel = 'migration' THEN m.earned_rank ELSE e.rank_in_good_standing END AS earned_rank,
       m.migrated_rank,
       w.good_standing_on_audit,
       w.remediation_until, w.reenroll_until,
       CASE WHEN w.reinstated_on <= a.as_of THEN w.reinstated_on END AS reinstated_on
FROM raw_partners p
CROSS JOIN relevel_years y
CROSS JOIN run_params a
LEFT JOIN partner_end x ON x.partner_id = p.partner_id
LEFT JOIN year_end_levels e ON e.partner_id = p.partner_id AND e.program_year = y.program_year
LEFT JOIN (SELECT *, lead(valid_from, 1, DATE '9999-12-31') OVER (PARTITION BY partner_id ORDER BY valid_from) AS next_from FROM earned_levels) b
  ON b.partner_id = p.partner_id AND y.ends_on >= b.valid_from AND y.ends_on < b.next_from
LEFT JOIN audit_windows w ON w.partner_id = p.partner_id AND w.program_year = y.program_year
LEFT JOIN migration_placements m ON m.partner_id = p.partner_id AND m.based_on = y.program_year
WHERE p.enrolled_on <= a.as_of
  AND y.ends_on < a.as_of
