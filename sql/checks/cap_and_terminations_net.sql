-- RULES.md sections 2 and 13: the cap and the terminations, recomputed from
-- the ledger and the inputs (not from 043_cap_allocation's arithmetic).
-- Per event (a booking's or OEM credit's rows): its net points are between
-- 0 and its gross (base and multipliers); a vendor termination on or
-- before as_of nets it to 0 with exactly one vendor_termination row; an
-- event that is not capped has no cap rows. Per partner and program year,
-- the capped events not terminated net exactly the cap's greedy fill,
-- least(max_points, their gross): every point over the cap is taken, and
-- every point a termination freed was given back (at most, once the
-- partnership has ended: no release after it).
WITH events AS (
    -- the events the cap or a termination may touch: capped license types
    -- (of any year) and vendor terminations
    SELECT 'booking' AS source, b.booking_id AS source_id, 2 * b.row_number AS event_key, b.license_type,
           coalesce(b.status = 'vendor_terminated' AND b.terminated_on <= r.as_of, false) AS terminated
    FROM raw_bookings b, run_params r
    WHERE b.status = 'vendor_terminated' OR b.license_type IN (SELECT license_type FROM rule_cap_license_types)
    UNION ALL
    SELECT 'oem_credit', c.credit_id, 2 * c.row_number + 1, c.license_type, false
    FROM raw_oem_credits c
    WHERE c.license_type IN (SELECT license_type FROM rule_cap_license_types)
),
per_event AS (
    -- grouped by the event's number in its input, not by its text id
    SELECT e.event_key, any_value(l.partner_id) AS partner_id, any_value(l.program_year) AS program_year,
           any_value(l.source_id) AS source_id, any_value(e.license_type) AS license_type,
           any_value(e.terminated) AS terminated,
           sum(l.points) FILTER (WHERE l.component IN ('base', 'multiplier')) AS gross,
           sum(l.points) AS net,
           count(*) FILTER (WHERE l.component = 'vendor_termination') AS terminations,
           count(*) FILTER (WHERE l.component IN ('perpetual_cap', 'cap_release')) AS cap_rows
    FROM points_ledger l
    JOIN events e USING (source, source_id)
    WHERE l.source IN ('booking', 'oem_credit')
    GROUP BY e.event_key
),
classified AS (
    SELECT v.*, c.license_type IS NOT NULL AND x.country IS NULL AS capped
    FROM per_event v
    JOIN raw_partners p USING (partner_id)
    LEFT JOIN rule_cap_license_types c ON c.program_year = v.program_year AND c.license_type = v.license_type
    LEFT JOIN rule_cap_exempt_countries x ON x.program_year = v.program_year AND x.country = p.country
),
per_year AS (
    SELECT c.partner_id, c.program_year, y.cap_max_points AS max_points,
           sum(c.gross) AS gross, sum(c.net) AS net
    FROM classified c JOIN rule_years y USING (program_year)
    WHERE c.capped AND NOT c.terminated
    GROUP BY ALL
)
SELECT partner_id, program_year, source_id, 'event' AS what, gross, net
FROM classified
WHERE net < 0 OR net > gross
   OR terminations <> CASE WHEN terminated THEN 1 ELSE 0 END
   OR (terminated AND net <> 0)
   OR (NOT capped AND cap_rows > 0)
UNION ALL
SELECT y.partner_id, y.program_year, NULL, 'capped partner-year', y.gross, y.net
FROM per_year y
CROSS JOIN run_params r
LEFT JOIN partner_end x ON x.partner_id = y.partner_id
WHERE y.net > least(y.max_points, y.gross)
   OR (y.net < least(y.max_points, y.gross) AND NOT coalesce(x.ended_on <= r.as_of, false))
UNION ALL
-- a cap or termination row on an event neither capped nor terminated
SELECT l.partner_id, l.program_year, l.source_id, l.component, NULL, l.points
FROM points_ledger l
ANTI JOIN events e USING (source, source_id)
WHERE l.component IN ('perpetual_cap', 'cap_release', 'vendor_termination') AND l.source IN ('booking', 'oem_credit')
