
WITH facts AS (
    SELECT e.partner_id, e.d, e.in_timeline, e.is_year_end, y.program_year,
           coalesce(t.performance_points, 0) AS performance_points,
           c.capability_points, c.capability_ranks,
           coalesce(s.good_standing, false) AS good_standing
    FROM level_evaluation_days e
    ASOF JOIN level_years y ON e.d >= y.counts_from
    ASOF LEFT JOIN performance_to_date t
      ON t.partner_id = e.partner_id AND t.program_year = y.program_year AND e.d >= t.earned_on
    ASOF JOIN capability_states c ON c.partner_id = e.partner_id AND e.d >= c.valid_from
    ASOF LEFT JOIN standing s ON s.partner_id = e.partner_id AND e.d >= s.changed_on
),
ranked AS (
    SELECT f.partner_id, f.d, f.in_timeline, f.is_year_end, f.program_year, f.good_standing,
           max(l.level_rank) AS rank_in_good_standing,
           max(l.level_rank) FILTER (WHERE NOT l.good_standing) AS rank_without_standing
    FROM facts f
    JOIN level_thresholds l
      ON l.program_year = f.program_year
     AND f.performance_points >= l.min_performance_points
     AND (f.capability_ranks >> l.level_rank) & 1 = 1
    GROUP BY ALL
)
SELECT r.*,
       CASE WHEN r.good_standing THEN r.rank_in_good_standing ELSE r.rank_without_standing END AS earned_rank
FROM ranked r
