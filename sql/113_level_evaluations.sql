-- RULES.md sections 5-7: on each evaluation day (112), the partner's
-- facts (the program year's performance points to date, its capability
-- points and the levels its capabilities meet, its standing) and the highest
-- level they meet, in good standing or not. Each fact is the row of its
-- timeline in effect on the day: from its own day until the next row's, a
-- range join on the partner (each partner has few rows in each timeline).
WITH facts AS (
    SELECT e.partner_id, e.d, e.in_timeline, e.is_year_end, y.program_year,
           coalesce(t.performance_points, 0) AS performance_points,
           c.capability_points, c.capability_ranks,
           coalesce(s.good_standing, false) AS good_standing
    FROM level_evaluation_days e
    ASOF JOIN level_years y ON e.d >= y.counts_from
    LEFT JOIN (SELECT *, lead(earned_on, 1, DATE '9999-12-31')
                             OVER (PARTITION BY partner_id, program_year ORDER BY earned_on) AS until_on
               FROM performance_to_date) t
      ON t.partner_id = e.partner_id AND t.program_year = y.program_year
     AND e.d >= t.earned_on AND e.d < t.until_on
    JOIN (SELECT *, lead(valid_from, 1, DATE '9999-12-31') OVER (PARTITION BY partner_id ORDER BY valid_from) AS until_on
          FROM capability_states) c
      ON c.partner_id = e.partner_id AND e.d >= c.valid_from AND e.d < c.until_on
    LEFT JOIN (SELECT *, lead(changed_on, 1, DATE '9999-12-31') OVER (PARTITION BY partner_id ORDER BY changed_on) AS until_on
               FROM standing) s
      ON s.partner_id = e.partner_id AND e.d >= s.changed_on AND e.d < s.until_on
),
ranked AS (
    SELECT f.partner_id, f.d, f.in_timeline, f.is_year_end, f.program_year, f.good_standing,
           max(l.level_rank) AS rank_in_good_standing,
           max(l.level_rank) FILTER (WHERE NOT l.good_standing) AS rank_without_standing
    FROM facts f
    JOIN level_thresholds l
      ON l.program_year = f.program_year
     AND f.performance_points >= l.min_performance_points
     AND (f.capability_ranks >> l.level_rank::UBIGINT) & 1 = 1
    GROUP BY ALL
)
SELECT r.*,
       CASE WHEN r.good_standing THEN r.rank_in_good_standing ELSE r.rank_without_standing END AS earned_rank
FROM ranked r
