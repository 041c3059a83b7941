-- RULES.md sections 1 and 2: bookings and OEM credits as earning events.
-- An OEM credit earns like a booking, on the day the OEM's report is
-- processed (earned_on = reported_on). TCV is converted to USD with the rate
-- of its booked_on (day_rates, 012_day_rates.sql); tcv_usd is kept to 6
-- decimals (a millionth of a dollar), and points are computed exactly from
-- it. Only what was earned on or before as_of is in the snapshot.
--
-- Performance: one table of events, with the reason an event earns nothing
-- (NULL when it earns); the earning events are a view of it, not a copy
-- (each 1M-row copy of these columns costs about half a second). It holds
-- only the columns the points (050) read, and 050 drops it when done: at
-- 10M bookings the run's tables outgrow memory_limit and DuckDB spills them,
-- uncompressed (BENCHMARKS.md, item 15). The deal's customer, opportunity
-- and contract partners are read by the influence match (035) from the
-- bookings themselves.

-- Good standing of each OEM credit's partner on reported_on (section 2: an
-- OEM credit earns only for a partner in good standing then). Bookings need
-- no standing, so only the few credits are looked up.
CREATE OR REPLACE TABLE oem_credit_standing AS
SELECT c.credit_id, coalesce(s.good_standing, false) AS good_standing
FROM raw_oem_credits c
ASOF LEFT JOIN standing s ON s.partner_id = c.partner_id AND c.reported_on >= s.changed_on;

-- Why an event earns nothing, if it does not: the first reason that applies.
CREATE OR REPLACE TABLE booking_events AS
WITH events AS (
    SELECT 'booking' AS source, booking_id AS source_id, partner_id,
           solution, booked_on, booked_on AS earned_on, tcv, currency, license_type, tags,
           status, terminated_on, true AS good_standing
    FROM raw_bookings
    UNION ALL
    SELECT 'oem_credit', c.credit_id, c.partner_id,
           c.solution, c.booked_on, c.reported_on, c.tcv, c.currency, c.license_type, c.tags,
           'booked', NULL::DATE, s.good_standing
    FROM raw_oem_credits c JOIN oem_credit_standing s USING (credit_id)
)
SELECT e.source, e.source_id, e.partner_id, e.solution,
       e.booked_on, e.earned_on, e.license_type, e.tags, e.status,
       e.terminated_on, y.program_year, p.country, p.emerging_market,
       to_usd(e.tcv, fx.usd_per_unit) AS tcv_usd,
       CASE
           WHEN y.program_year IS NULL THEN 'outside_program_year'
           WHEN e.earned_on < p.enrolled_on THEN 'before_enrollment'
           WHEN x.ended_on <= e.earned_on THEN 'partner_terminated'
           WHEN NOT e.good_standing THEN 'not_in_good_standing'
       END AS reason
FROM events e
JOIN raw_partners p USING (partner_id)
LEFT JOIN partner_end x USING (partner_id)
LEFT JOIN day_rates fx ON fx.currency = e.currency AND fx.day = e.booked_on
LEFT JOIN program_days y ON y.day = e.earned_on
WHERE e.earned_on <= (SELECT as_of FROM as_of);

-- The events that earn. booking_events carries what the multipliers and the
-- cap ask of the partner (country, emerging_market): this view is read by
-- several statements, and joining the partners in it redid a join of every
-- event each time.
CREATE OR REPLACE VIEW earning_bookings AS
SELECT * EXCLUDE (reason)
FROM booking_events
WHERE reason IS NULL;

DROP TABLE oem_credit_standing;
