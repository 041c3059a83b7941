-- CONTRACT.md level_history: per partner, periods follow each other day by
-- day from enrolled_on (from migration.on, once it has come, for a partner
-- enrolled before it: RULES.md section 11), consecutive periods differ in
-- level, only the last is open (valid_to null) and its level is
-- partner_levels.level.
WITH ordered AS (
    SELECT h.*,
           lag(level) OVER w AS previous_level,
           lag(valid_to) OVER w AS previous_valid_to,
           row_number() OVER w AS period,
           count(*) OVER (PARTITION BY partner_id) AS periods
    FROM level_history h
    WINDOW w AS (PARTITION BY partner_id ORDER BY valid_from)
)
SELECT o.partner_id, o.valid_from, 'does not start on enrolled_on, or on the migration' AS problem
FROM ordered o
JOIN raw_partners p USING (partner_id)
CROSS JOIN run_params a
LEFT JOIN rule_migration m ON m.migrated_on <= a.as_of
WHERE o.period = 1 AND o.valid_from <> greatest(p.enrolled_on, coalesce(m.migrated_on, p.enrolled_on))
UNION ALL
SELECT partner_id, valid_from, 'same level as the period before'
FROM ordered WHERE level = previous_level
UNION ALL
SELECT partner_id, valid_from, 'gap or overlap with the period before'
FROM ordered WHERE period > 1 AND valid_from <> previous_valid_to + 1
UNION ALL
SELECT partner_id, valid_from, 'open period that is not the last, or closed last period'
FROM ordered WHERE (valid_to IS NULL) <> (period = periods)
UNION ALL
SELECT l.partner_id, o.valid_from, 'current period differs from partner_levels.level'
FROM partner_levels l
LEFT JOIN ordered o ON o.partner_id = l.partner_id AND o.valid_to IS NULL
WHERE o.level IS DISTINCT FROM l.level
