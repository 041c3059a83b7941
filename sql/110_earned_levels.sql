-- RULES.md sections 5, 6 and 7: the level a partner earns on a day.
--
-- Earned level on D: the highest level (of D's program year, level_years)
-- all of whose requirements hold on D: good standing if the level asks for
-- it, the performance points of D's program year to date (its ledger rows
-- earned on or before D), the capability points valid on D (achieved_on <= D,
-- no expires_on <= D, each capability_id once, points of D's year) and the
-- required count of each capability kind. The lowest level requires nothing,
-- so every enrolled partner earns at least it.
--
-- An earned level only changes on a day something it depends on changes:
-- a day the performance points cross a threshold (performance_to_date), a
-- capability's achieved_on or expires_on, a standing change, a program
-- year's start, enrollment. It is evaluated on those days only and kept as
-- change points (earned_levels: valid from a row's valid_from until the
-- partner's next row), which keeps this linear in the ledger and far below
-- it. Each row also carries best_rank_in_year: the highest level
-- earned on any day of its program year up to then (section 7: a partner is
-- up-levelled at once and keeps the level for the rest of the year).
--
-- The re-leveling of a year (section 8 audit, section 9 migration) needs the
-- level earned on the year's ends_on judged on points and capabilities only:
-- year_end_levels holds it for every partner (rank_in_good_standing), with
-- the level earned without good standing (rank_without_standing).

-- Performance points of a program year to date, kept on the days they move
-- into another band of the year's performance thresholds (band: how many of
-- the distinct min_performance_points are met). The earned level depends on
-- the points only through their band, so between two kept rows it does not
-- change for want of points, and the evaluation days below need only these
-- rows rather than every day a ledger row is earned. A row is kept when its
-- band differs from the band of the points before that day (the first day
-- of a year: from 0 points, the value an evaluation day before any ledger
-- row of its year takes). Points can fall (vendor terminations), so a band
-- can be left and entered again; each crossing is kept. The band of the
-- points after a day differs from the band before it exactly when a
-- threshold lies above the lower of the two and at or below the higher
-- (a semi join: three times faster than counting each side's thresholds
-- with list_filter at 10M bookings, BENCHMARKS.md).
CREATE OR REPLACE TABLE performance_to_date AS
WITH daily AS (
    SELECT partner_id, program_year, earned_on, sum(points) AS day_points,
           sum(sum(points)) OVER (PARTITION BY partner_id, program_year ORDER BY earned_on) AS performance_points
    FROM points_ledger
    GROUP BY partner_id, program_year, earned_on
)
SELECT d.partner_id, d.program_year, d.earned_on, d.performance_points
FROM daily d
SEMI JOIN level_thresholds t
  ON t.program_year = d.program_year
 AND t.min_performance_points > least(d.performance_points, d.performance_points - d.day_points)
 AND t.min_performance_points <= greatest(d.performance_points, d.performance_points - d.day_points);

-- Capability change points: from valid_from on, until the partner's next row,
-- the partner has capability_points and meets the capability requirements
-- (points and kinds) of the levels in capability_ranks, a set of level
-- ranks as bits (bit r set: rank r is met; the rulebook allows at most 64
-- levels). Every partner has a row at each year's start, where the points
-- per kind may change. (A bit set rather than a list: an ordered list
-- aggregate buffers every group's values until it sorts them; bit_or's
-- state is one number. Whether the list was what ran out of memory at 100M
-- bookings with a 3GB memory_limit was not shown, see BENCHMARKS.md.)
CREATE OR REPLACE TABLE capability_states AS
WITH change_dates AS (
    SELECT partner_id, achieved_on AS d FROM raw_capabilities
    UNION
    SELECT partner_id, expires_on FROM raw_capabilities WHERE expires_on IS NOT NULL
    UNION
    SELECT p.partner_id, y.counts_from FROM raw_partners p CROSS JOIN level_years y
),
dated AS (
    SELECT c.partner_id, c.d, y.program_year
    FROM change_dates c
    ASOF JOIN level_years y ON c.d >= y.counts_from
),
valid AS (
    -- each capability once, its kind from its latest achievement (as 090_points)
    SELECT s.partner_id, s.d, v.capability_id, arg_max(v.kind, v.achieved_on) AS kind
    FROM dated s
    JOIN raw_capabilities v
      ON v.partner_id = s.partner_id AND v.achieved_on <= s.d
     AND (v.expires_on IS NULL OR v.expires_on > s.d)
    GROUP BY ALL
),
kind_counts AS (
    SELECT partner_id, d, kind, count(*) AS capabilities FROM valid GROUP BY ALL
),
capability_points AS (
    SELECT s.partner_id, s.d, s.program_year, coalesce(sum(r.points), 0) AS capability_points
    FROM dated s
    LEFT JOIN valid v USING (partner_id, d)
    LEFT JOIN rule_capability_points r ON r.program_year = s.program_year AND r.kind = v.kind
    GROUP BY ALL
),
kinds_short AS (
    -- a level's required capability kind the partner has too few of
    SELECT s.partner_id, s.d, l.level_id
    FROM capability_points s
    JOIN rule_level_capabilities l ON l.program_year = s.program_year
    LEFT JOIN kind_counts k ON k.partner_id = s.partner_id AND k.d = s.d AND k.kind = l.kind
    WHERE coalesce(k.capabilities, 0) < l.min_count
),
levels_met AS (
    SELECT s.partner_id, s.d, bit_or(1::UBIGINT << l.level_rank) AS capability_ranks
    FROM capability_points s
    JOIN level_thresholds l ON l.program_year = s.program_year AND s.capability_points >= l.min_capability_points
    ANTI JOIN kinds_short k ON k.partner_id = s.partner_id AND k.d = s.d AND k.level_id = l.level_id
    GROUP BY ALL
)
SELECT s.partner_id, s.d AS valid_from, s.program_year, s.capability_points, m.capability_ranks
FROM capability_points s
JOIN levels_met m USING (partner_id, d)
ORDER BY s.partner_id, s.d;

-- The days to evaluate: every change day of an enrolled partner up to as_of
-- (and before its partnership ended: from then on it is terminated), and the
-- last day of every re-levelled year that has ended.
CREATE OR REPLACE TABLE level_evaluation_days AS
WITH enrolled AS (
    SELECT p.partner_id, p.enrolled_on,
           least(a.as_of, coalesce(x.ended_on - 1, a.as_of)) AS last_day
    FROM raw_partners p
    CROSS JOIN as_of a
    LEFT JOIN partner_end x USING (partner_id)
    WHERE p.enrolled_on <= a.as_of
),
change_days AS (
    SELECT partner_id, enrolled_on AS d FROM enrolled
    UNION
    SELECT e.partner_id, y.starts_on FROM enrolled e JOIN rule_years y ON y.starts_on > e.enrolled_on
    UNION
    SELECT partner_id, earned_on FROM performance_to_date
    UNION
    SELECT partner_id, achieved_on FROM raw_capabilities
    UNION
    SELECT partner_id, expires_on FROM raw_capabilities WHERE expires_on IS NOT NULL
    UNION
    SELECT partner_id, changed_on FROM standing
),
timeline AS (
    SELECT c.partner_id, c.d
    FROM change_days c JOIN enrolled e USING (partner_id)
    WHERE c.d BETWEEN e.enrolled_on AND e.last_day
),
year_ends AS (
    SELECT e.partner_id, y.ends_on AS d
    FROM enrolled e
    CROSS JOIN relevel_years y
    CROSS JOIN as_of a
    WHERE y.ends_on < a.as_of
)
SELECT partner_id, d, bool_or(in_timeline) AS in_timeline, bool_or(NOT in_timeline) AS is_year_end
FROM (SELECT partner_id, d, true AS in_timeline FROM timeline
      UNION ALL
      SELECT partner_id, d, false FROM year_ends)
GROUP BY partner_id, d;

CREATE OR REPLACE TABLE level_evaluations AS
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
FROM ranked r;

CREATE OR REPLACE TABLE earned_levels AS
WITH timeline AS (
    SELECT partner_id, d, program_year, earned_rank,
           max(earned_rank) OVER (PARTITION BY partner_id, program_year ORDER BY d) AS best_rank_in_year
    FROM level_evaluations
    WHERE in_timeline
)
SELECT partner_id, d AS valid_from, program_year, earned_rank, best_rank_in_year
FROM timeline
QUALIFY (program_year, earned_rank, best_rank_in_year)
        IS DISTINCT FROM lag((program_year, earned_rank, best_rank_in_year)) OVER (PARTITION BY partner_id ORDER BY d)
ORDER BY partner_id, valid_from;

CREATE OR REPLACE TABLE year_end_levels AS
SELECT partner_id, program_year, d AS ends_on, rank_in_good_standing, rank_without_standing
FROM level_evaluations
WHERE is_year_end
ORDER BY partner_id, program_year;

DROP TABLE level_evaluation_days;
DROP TABLE level_evaluations;

DROP TABLE performance_to_date;
DROP TABLE capability_states;
