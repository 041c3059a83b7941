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
-- (a semi join on the year's thresholds).
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
 AND t.min_performance_points <= greatest(d.performance_points, d.performance_points - d.day_points)
