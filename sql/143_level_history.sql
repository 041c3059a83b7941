-- publish: partner_id, valid_from
-- CONTRACT.md level_history: a partner's level periods (142_level_days),
-- one row per change of level.
--
-- RULES.md section 11: the level in the new program starts at the
-- migration. Once migration.on has come (on or before as_of), the history
-- of a partner enrolled before it begins on migration.on: the period that
-- holds that day starts there, with reason `migration` (`terminated` for a
-- partnership that had ended by then), and earlier periods are not levels
-- of this program. Before the migration, the history is the levels the
-- rules give up to as_of.
WITH named AS (
    SELECT d.partner_id, d.d,
           CASE WHEN d.terminated THEN 'terminated' ELSE n.level_id END AS level, d.reason
    FROM level_days d
    LEFT JOIN level_names n ON n.level_rank = d.level_rank
),
periods AS (
    SELECT * FROM named
    QUALIFY level IS DISTINCT FROM lag(level) OVER (PARTITION BY partner_id ORDER BY d)
),
bounded AS (
    SELECT partner_id, level, d AS valid_from,
           lead(d) OVER (PARTITION BY partner_id ORDER BY d) - 1 AS valid_to,
           reason
    FROM periods
),
migrated AS (
    SELECT m.migrated_on FROM rule_migration m, run_params a WHERE m.migrated_on <= a.as_of
)
SELECT b.partner_id, b.level,
       CASE WHEN b.valid_from < m.migrated_on THEN m.migrated_on ELSE b.valid_from END AS valid_from,
       b.valid_to,
       CASE WHEN b.valid_from < m.migrated_on AND b.level <> 'terminated' THEN 'migration' ELSE b.reason END AS reason
FROM bounded b
LEFT JOIN migrated m ON true
WHERE m.migrated_on IS NULL OR b.valid_to IS NULL OR b.valid_to >= m.migrated_on
