-- publish: partner_id, due_on, kind, days_before, about_on
-- RULES.md section 10: the reminders due in as_of's program year
-- (as_of_year), past or future (CONTRACT.md notifications).
--
--   renewal       rule_notify days_before each anniversary (enrolled_on plus
--                 a whole number of years; a 29 February enrollment has its
--                 anniversary on 28 February in other years);
--                 about_on = the anniversary.
--   audit         rule_notify days_before each audit_on of an audited year
--                 (not the migration's based_on year or earlier ones);
--                 about_on = audit_on, for partners enrolled before it.
--   health_check  starts_on + 6 months of as_of's year, days_before 0.
-- Only for partners enrolled on or before as_of whose partnership has not
-- ended by then (a later end is not known on as_of), and only reminders due
-- on or after enrolled_on. due_on lies within the year's starts_on .. ends_on.
WITH active AS (
    SELECT p.partner_id, p.enrolled_on
    FROM raw_partners p
    CROSS JOIN run_params a
    LEFT JOIN partner_end x USING (partner_id)
    WHERE p.enrolled_on <= a.as_of
      AND (x.ended_on IS NULL OR x.ended_on > a.as_of)
),
anniversaries AS (
    -- every anniversary whose reminders may fall in the year
    SELECT p.partner_id, p.enrolled_on,
           (p.enrolled_on + to_years(k::INTEGER))::DATE AS anniversary
    FROM active p
    CROSS JOIN as_of_year y
    CROSS JOIN LATERAL (
        SELECT unnest(generate_series(
                   greatest(1, year(y.starts_on) - year(p.enrolled_on) - 1),
                   year(y.ends_on) - year(p.enrolled_on)
                       + 1 + (SELECT coalesce(max(days_before), 0) FROM rule_notify) // 365)) AS k
    ) years
),
reminders AS (
    SELECT a.partner_id, a.enrolled_on, 'renewal' AS kind,
           a.anniversary - n.days_before AS due_on, a.anniversary AS about_on, n.days_before
    FROM anniversaries a
    JOIN rule_notify n ON n.kind = 'renewal'
    UNION ALL
    SELECT p.partner_id, p.enrolled_on, 'audit',
           y.relevel_on - n.days_before, y.relevel_on, n.days_before
    FROM active p
    CROSS JOIN relevel_years y
    JOIN rule_notify n ON n.kind = 'audit'
    WHERE y.relevel = 'audit' AND p.enrolled_on < y.relevel_on
    UNION ALL
    SELECT p.partner_id, p.enrolled_on, 'health_check',
           (y.starts_on + INTERVAL 6 MONTH)::DATE, (y.starts_on + INTERVAL 6 MONTH)::DATE, 0
    FROM active p
    CROSS JOIN as_of_year y
)
SELECT r.partner_id, r.kind, r.due_on, r.about_on, r.days_before::INTEGER AS days_before
FROM reminders r
CROSS JOIN as_of_year y
WHERE r.due_on BETWEEN y.starts_on AND y.ends_on
  AND r.due_on >= r.enrolled_on
