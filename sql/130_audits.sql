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
--   level_after    the migration: its migrated level (120_migration); an
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

CREATE OR REPLACE TABLE relevel_facts AS
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
CROSS JOIN as_of a
LEFT JOIN partner_end x ON x.partner_id = p.partner_id
LEFT JOIN year_end_levels e ON e.partner_id = p.partner_id AND e.program_year = y.program_year
ASOF LEFT JOIN earned_levels b ON b.partner_id = p.partner_id AND y.ends_on >= b.valid_from
LEFT JOIN audit_windows w ON w.partner_id = p.partner_id AND w.program_year = y.program_year
LEFT JOIN migration_placements m ON m.partner_id = p.partner_id AND m.based_on = y.program_year
WHERE p.enrolled_on <= a.as_of
  AND y.ends_on < a.as_of;

CREATE OR REPLACE TABLE relevel_chain AS
WITH RECURSIVE chain AS (
    -- step 0: nothing re-levelled yet
    SELECT p.partner_id, 0::BIGINT AS step, NULL::VARCHAR AS program_year, NULL::DATE AS ends_on,
           NULL::VARCHAR AS relevel, NULL::DATE AS relevel_on, NULL::BOOLEAN AS relevelled,
           NULL::INTEGER AS baseline_rank, NULL::INTEGER AS previous_rank, NULL::INTEGER AS earned_rank,
           NULL::INTEGER AS level_after_rank, NULL::VARCHAR AS outcome,
           NULL::DATE AS remediation_until, NULL::DATE AS reenroll_until, NULL::DATE AS reinstated_on
    FROM raw_partners p, as_of a
    WHERE p.enrolled_on <= a.as_of
    UNION ALL
    SELECT partner_id, step, program_year, ends_on, relevel, relevel_on, relevelled,
           baseline_rank, previous_rank, earned_rank, level_after_rank,
           CASE WHEN NOT relevelled THEN NULL
                WHEN relevel = 'migration' THEN 'migration'
                WHEN NOT good_standing_on_audit THEN 'remediation'
                WHEN level_after_rank > previous_rank THEN 'promoted'
                WHEN level_after_rank = previous_rank THEN 'retained'
                ELSE 'demoted'
           END AS outcome,
           CASE WHEN relevelled THEN remediation_until END AS remediation_until,
           CASE WHEN relevelled THEN reenroll_until END AS reenroll_until,
           CASE WHEN relevelled THEN reinstated_on END AS reinstated_on
    FROM (
        -- the re-leveling's outcome
        SELECT held.*,
               CASE WHEN NOT relevelled THEN NULL
                    WHEN relevel = 'migration' THEN migrated_rank
                    WHEN good_standing_on_audit THEN earned_rank
                    ELSE least(community_rank, previous_rank)
               END AS level_after_rank
        FROM (
            -- the level held on ends_on
            SELECT base.*,
                   CASE WHEN enrolled_on > ends_on THEN lowest_rank
                        WHEN prior_relevel_on <= ends_on AND ends_on <= prior_remediation_until
                             AND NOT coalesce(prior_reinstated_on <= ends_on, false) THEN prior_level_after_rank
                        WHEN prior_relevel_on <= ends_on AND ends_on <= prior_reenroll_until
                             AND NOT coalesce(prior_reinstated_on <= ends_on, false) THEN lowest_rank
                        ELSE greatest(baseline_rank, coalesce(best_rank_at_end, lowest_rank))
                   END AS previous_rank
            FROM (
                -- the baseline on ends_on: the last re-leveling's outcome
                SELECT f.*, r.lowest_rank, r.community_rank,
                       c.relevel_on AS prior_relevel_on, c.level_after_rank AS prior_level_after_rank,
                       c.remediation_until AS prior_remediation_until, c.reenroll_until AS prior_reenroll_until,
                       c.reinstated_on AS prior_reinstated_on,
                       CASE WHEN NOT coalesce(c.relevelled, false) THEN r.lowest_rank
                            WHEN c.relevel_on > f.ends_on THEN c.previous_rank
                            WHEN c.reinstated_on <= f.ends_on THEN c.earned_rank
                            ELSE c.level_after_rank
                       END AS baseline_rank
                FROM chain c
                JOIN relevel_facts f ON f.partner_id = c.partner_id AND f.step = c.step + 1
                CROSS JOIN level_roles r
            ) base
        ) held
    ) judged
)
SELECT * FROM chain WHERE step > 0
ORDER BY partner_id, step;

-- CONTRACT.md audits: one row per partner and audit on or before as_of.
-- remediation_until is the first window's deadline, set at the audit;
-- reenroll_until once the partner entered the second window unreinstated;
-- reinstated_on and terminated_on once they happened. terminated_on is the
-- day the partnership ended if that was inside this audit's windows (the end
-- of the second window, or partners.terminated_on during a window).
CREATE OR REPLACE TABLE audits AS
SELECT c.partner_id, c.program_year, c.relevel_on AS audit_on,
       previous.level_id AS previous_level, earned.level_id AS earned_level, c.outcome,
       after.level_id AS level_after,
       c.remediation_until,
       CASE WHEN c.remediation_until < a.as_of AND NOT coalesce(c.reinstated_on <= c.remediation_until, false)
            THEN c.reenroll_until END AS reenroll_until,
       c.reinstated_on,
       CASE WHEN c.outcome = 'remediation' AND x.ended_on <= a.as_of
             AND x.ended_on > c.relevel_on AND x.ended_on <= c.reenroll_until + 1
            THEN x.ended_on END AS terminated_on
FROM relevel_chain c
CROSS JOIN as_of a
JOIN level_names previous ON previous.level_rank = c.previous_rank
JOIN level_names earned ON earned.level_rank = c.earned_rank
JOIN level_names after ON after.level_rank = c.level_after_rank
LEFT JOIN partner_end x ON x.partner_id = c.partner_id
WHERE c.relevel = 'audit' AND c.relevelled
ORDER BY c.partner_id, c.relevel_on;
