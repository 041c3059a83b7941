-- RULES.md sections 2, 11 and 13: the perpetual cap, per partner and
-- program year, and the room vendor terminations free (component
-- perpetual_cap or cap_release). Exempt countries are not capped.
--
-- Allocation order is (earned_on, source_id, source); an OEM credit of a
-- capped license type takes its place by its earned_on, reported_on
-- (section 11). A capped event's points are its base and multipliers; the
-- event that crosses max_points loses the excess, every later one all its
-- points, in one perpetual_cap row dated its earned_on.
--
-- The ledger is append-only in time (section 13): a row dated D depends only
-- on facts dated on or before D. So a vendor-terminated event takes part in
-- the allocation like any other, and its termination on T (on or before
-- as_of) changes nothing dated before T: on T it frees the room it held
-- (its net points, reversed by its vendor_termination row,
-- 044_vendor_terminations), and that room goes to the later events of the
-- partner-year in allocation order, each up to what it lost to the cap and
-- has not got back, as cap_release rows earned on T (rule_id: the
-- terminated booking). Events earned after T are allocated against the
-- room as it is after T. Decided here:
--   * on one day, that day's events are allocated first, then that day's
--     terminations take effect (so an event earned on T can lose points to
--     the cap on T and get them back on T);
--   * several terminations take effect in order of (terminated_on, the
--     terminated event's allocation order), each with its own release rows;
--   * a terminated event that was itself capped frees only what it still
--     held (nothing if it was capped in full);
--   * no cap_release on or after the day the partnership ended (a
--     terminated partner earns nothing then).
--
-- Every state of this sequence is the greedy fill, in allocation order, of
-- max_points by the events not yet terminated: an event holds
-- clamp(max_points - P, 0, points), P being the points of the live events
-- before it. So no recursion is needed. With `before` the points of all
-- events before it (terminated ones included), an event holds on arrival
-- clamp(max_points - (before - points of the earlier events terminated
-- before its earned_on)), and after each later termination the same with
-- that termination's points taken off too; a release is the difference.
-- One window over the capped events gives every event's cap row, as the
-- cap always did, but for the candidates (below): the event that crosses
-- the cap, and in a partner-year with a termination the few events that
-- may hold part of their points at some time. Only those are paired with
-- their partner-year's terminations.
WITH capped_events AS (
    SELECT e.source, e.source_id, e.partner_id, e.program_year, e.earned_on, e.business_model, e.solution, e.points,
           CASE WHEN e.vendor_terminated_on <= r.as_of THEN e.vendor_terminated_on END AS terminated_on
    FROM booking_events e
    CROSS JOIN run_params r
    JOIN rule_cap_license_types c ON c.program_year = e.program_year AND c.license_type = e.license_type
    JOIN raw_partners p USING (partner_id)
    ANTI JOIN rule_cap_exempt_countries x ON x.program_year = e.program_year AND x.country = p.country
    WHERE e.reason IS NULL
),
capped AS (
    -- each capped event's base and multipliers
    SELECT c.source, c.source_id, c.partner_id, c.program_year, c.earned_on, c.terminated_on, c.business_model, c.solution,
           any_value(c.points) + coalesce(sum(m.points), 0) AS points
    FROM capped_events c
    LEFT JOIN booking_multipliers m USING (source, source_id)
    GROUP BY ALL
),
running AS (
    -- before: the points of the events before it in allocation order;
    -- terminated_before: the part of them of events terminated by as_of;
    -- candidate: it crosses the cap counting every event before it, and
    -- even with every termination taken off the events before it leave
    -- room: it may hold some points but not all at some time. Any other
    -- event either holds all its points throughout or, once the cap is
    -- full, nothing at arrival or later, so the window alone says what it
    -- loses. Without a termination in the partner-year the only candidate
    -- is the event that crosses the cap, and it loses the excess.
    SELECT c.*, y.cap_max_points AS max_points,
           coalesce(sum(c.points) OVER w, 0) AS before,
           coalesce(sum(c.points) FILTER (WHERE c.terminated_on IS NOT NULL) OVER w, 0) AS terminated_before,
           before + c.points > max_points AND before - terminated_before < max_points AS candidate
    FROM capped c JOIN rule_years y USING (program_year)
    WINDOW w AS (PARTITION BY c.partner_id, c.program_year ORDER BY c.earned_on, c.source_id, c.source
                 ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
),
steps AS (
    -- a partner-year's terminations, in the order they take effect
    SELECT partner_id, program_year, source, source_id, earned_on, terminated_on, points,
           row_number() OVER (PARTITION BY partner_id, program_year
                              ORDER BY terminated_on, earned_on, source_id, source) AS step
    FROM running
    WHERE terminated_on IS NOT NULL
),
candidates AS (
    SELECT c.*, s.step AS own_step
    FROM running c
    LEFT JOIN steps s USING (partner_id, program_year, source, source_id)
    WHERE c.candidate
),
paired AS (
    -- each candidate with each earlier event's termination while it is live;
    -- removed: the points of those terminations up to this step
    SELECT c.source, c.source_id, c.partner_id, c.program_year, c.earned_on, c.business_model, c.solution, c.points,
           c.before, c.max_points,
           s.step, s.source_id AS released_by, s.terminated_on AS step_on, s.points AS step_points,
           sum(s.points) OVER (PARTITION BY c.source, c.source_id ORDER BY s.step) AS removed
    FROM candidates c
    JOIN steps s
      ON s.partner_id = c.partner_id AND s.program_year = c.program_year
     AND (s.earned_on, s.source_id, s.source) < (c.earned_on, c.source_id, c.source)
     AND (c.own_step IS NULL OR s.step < c.own_step)
),
arrivals AS (
    -- what each candidate holds when it is earned
    SELECT c.source, c.source_id, c.partner_id, c.program_year, c.earned_on, c.business_model, c.solution, c.points,
           least(greatest(c.max_points - (c.before - coalesce(p.removed, 0)), 0), c.points) AS held
    FROM candidates c
    LEFT JOIN (SELECT source, source_id, max(removed) AS removed FROM paired
               WHERE step_on < earned_on GROUP BY source, source_id) p USING (source, source_id)
)
SELECT source, source_id, partner_id, program_year, earned_on, business_model, solution,
       'perpetual_cap' AS component, NULL::VARCHAR AS rule_id,
       CASE WHEN before >= max_points THEN -points
            ELSE -(before + points - max_points) END::DECIMAL(18,2) AS points
FROM running
WHERE NOT candidate AND before + points > max_points AND points > 0
UNION ALL
SELECT source, source_id, partner_id, program_year, earned_on, business_model, solution,
       'perpetual_cap', NULL, (held - points)::DECIMAL(18,2)
FROM arrivals
WHERE held < points
UNION ALL
SELECT p.source, p.source_id, p.partner_id, p.program_year, p.step_on, p.business_model, p.solution,
       'cap_release', p.released_by,
       (least(greatest(p.max_points - (p.before - p.removed), 0), p.points)
        - least(greatest(p.max_points - (p.before - p.removed + p.step_points), 0), p.points))::DECIMAL(18,2)
FROM paired p
LEFT JOIN partner_end x USING (partner_id)
WHERE p.step_on >= p.earned_on
  AND (x.ended_on IS NULL OR p.step_on < x.ended_on)
  AND least(greatest(p.max_points - (p.before - p.removed), 0), p.points)
      > least(greatest(p.max_points - (p.before - p.removed + p.step_points), 0), p.points)
