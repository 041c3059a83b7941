
WITH RECURSIVE chain AS (
    -- step 0: nothing re-levelled yet
    SELECT p.partner_id, 0::BIGINT AS step, NULL::VARCHAR AS program_year, NULL::DATE AS ends_on,
           NULL::VARCHAR AS relevel, NULL::DATE AS relevel_on, NULL::BOOLEAN AS relevelled,
           NULL::INTEGER AS baseline_rank, NULL::INTEGER AS previous_rank, NULL::INTEGER AS earned_rank,
           NULL::INTEGER AS level_after_rank, NULL::VARCHAR AS outcome,
           NULL::DATE AS remediation_until, NULL::DATE AS reenroll_until, NULL::DATE AS reinstated_on
    FROM raw_partners p, run_params a
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
