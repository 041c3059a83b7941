-- publish: partner_id, valid_from
WITH named AS (
    SELECT d.partner_id, d.d,
           CASE WHEN d.terminated THEN 'terminated' ELSE n.level_id END AS level, d.reason
    FROM level_days d
    LEFT JOIN level_names n ON n.level_rank = d.level_rank
),
periods AS (
    SELECT * FROM named
    QUALIFY level IS DISTINCT FROM lag(level) OVER (PARTITION BY partner_id ORDER BY d)
)
SELECT partner_id, level, d AS valid_from,
       lead(d) OVER (PARTITION BY partner_id ORDER BY d) - 1 AS valid_to,
       reason
FROM periods
