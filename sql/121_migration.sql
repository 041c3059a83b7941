-- publish: partner_id
SELECT m.partner_id, m.migrated_on, m.based_on, m.legacy_level,
       e.level_id AS earned_level, p.level_id AS migrated_level, m.protected
FROM migration_placements m
JOIN level_names e ON e.level_rank = m.earned_rank
JOIN level_names p ON p.level_rank = m.migrated_rank
