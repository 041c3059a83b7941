-- RULES.md section 9: the migration into the program.
--
-- On migrated_on (when that is on or before as_of) every partner enrolled on
-- or before it, whose partnership has not ended by then, is placed at the
-- level it earned over the based_on year: points and capabilities as on that
-- year's ends_on, good standing as on migrated_on. A partner not in good
-- standing then is placed at the lowest level (no windows). A partner whose
-- legacy_level is protected (rule_migration_protect), registered only in
-- solution_services on migrated_on and in good standing then is placed at
-- least at the protected level; `protected` says the protection raised it.
-- The migrated level is the baseline of the year containing migrated_on
-- (131_relevel_chain chains it in as the based_on year's re-leveling).
WITH migrated AS (
    SELECT p.partner_id, p.legacy_level, m.migrated_on, m.based_on
    FROM raw_partners p
    CROSS JOIN rule_migration m
    CROSS JOIN run_params a
    LEFT JOIN partner_end x USING (partner_id)
    WHERE m.migrated_on <= a.as_of
      AND p.enrolled_on <= m.migrated_on
      AND (x.ended_on IS NULL OR x.ended_on > m.migrated_on)
),
only_solution_services AS (
    -- the business models the partner is registered in on migrated_on
    -- (business_model_periods) are solution_services alone
    SELECT g.partner_id
    FROM migrated g
    JOIN business_model_periods b
      ON b.partner_id = g.partner_id AND b.from_on <= g.migrated_on AND b.until_on > g.migrated_on
    GROUP BY g.partner_id
    HAVING bool_and(b.business_model = 'solution_services')
),
judged AS (
    SELECT g.*, coalesce(s.good_standing, false) AS good_standing,
           CASE WHEN coalesce(s.good_standing, false) THEN e.rank_in_good_standing
                ELSE e.rank_without_standing END AS earned_rank,
           CASE WHEN coalesce(s.good_standing, false) AND o.partner_id IS NOT NULL
                THEN protect.level_rank END AS protected_rank
    FROM migrated g
    JOIN year_end_levels e ON e.partner_id = g.partner_id AND e.program_year = g.based_on
    LEFT JOIN (SELECT *, lead(changed_on, 1, DATE '9999-12-31') OVER (PARTITION BY partner_id ORDER BY changed_on) AS next_on FROM standing) s
      ON s.partner_id = g.partner_id AND g.migrated_on >= s.changed_on AND g.migrated_on < s.next_on
    LEFT JOIN only_solution_services o ON o.partner_id = g.partner_id
    LEFT JOIN (SELECT r.legacy_level, n.level_rank
               FROM rule_migration_protect r JOIN level_names n USING (level_id)) protect
      ON protect.legacy_level = g.legacy_level
)
SELECT j.partner_id, j.migrated_on, j.based_on, j.legacy_level, j.good_standing, j.earned_rank,
       CASE WHEN NOT j.good_standing THEN r.lowest_rank
            ELSE greatest(j.earned_rank, coalesce(j.protected_rank, j.earned_rank)) END AS migrated_rank,
       coalesce(j.protected_rank > j.earned_rank, false) AS protected
FROM judged j
CROSS JOIN level_roles r
