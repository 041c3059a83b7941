-- RULES.md sections 1 and 2: bookings and OEM credits as earning events,
-- with their base points.
--
-- An OEM credit earns like a booking on the day the OEM's report is
-- processed (earned_on = reported_on), if its partner is in good standing
-- then. TCV is converted to USD with the rate of booked_on (day_rates) to
-- six places, and the base is tcv_usd * points_per_usd of the event's year,
-- rounded to the cent (points_of). Only what was earned on or before as_of
-- is in the snapshot; vendor_terminated_on: the day the vendor terminated a
-- booking, if it did. reason: why an event earns nothing (NULL when it
-- earns), the first that applies; points and business_model are NULL then.
-- business_model: the first attribution entry (RULES.md section 12) whose
-- conditions hold for the event and whose business model the partner is
-- registered in on earned_on, else unattributed; the event's multiplier,
-- cap and termination rows belong to it too.
WITH events AS NOT MATERIALIZED (
    SELECT 'booking' AS source, booking_id AS source_id, 2 * row_number AS event_key, partner_id, solution, booked_on,
           booked_on AS earned_on, tcv, currency, license_type, tags, status, terminated_on,
           true AS good_standing
    FROM raw_bookings
    UNION ALL
    SELECT 'oem_credit', c.credit_id, 2 * c.row_number + 1, c.partner_id, c.solution, c.booked_on,
           c.reported_on, c.tcv, c.currency, c.license_type, c.tags, 'booked', NULL::DATE,
           coalesce(s.good_standing, false)
    FROM raw_oem_credits c
    ASOF LEFT JOIN standing s ON s.partner_id = c.partner_id AND c.reported_on >= s.changed_on
),
priced AS (
    SELECT e.source, e.source_id, e.event_key, e.partner_id, y.program_year, e.earned_on, e.booked_on,
           e.solution, e.license_type, e.tags, p.country, p.emerging_market,
           CASE WHEN e.status = 'vendor_terminated' THEN e.terminated_on END AS vendor_terminated_on,
           to_usd(e.tcv, fx.usd_per_unit) AS tcv_usd,
           CASE
               WHEN y.program_year IS NULL THEN 'outside_program_year'
               WHEN e.earned_on < p.enrolled_on THEN 'before_enrollment'
               WHEN x.ended_on <= e.earned_on THEN 'partner_terminated'
               WHEN NOT e.good_standing THEN 'not_in_good_standing'
           END AS reason
    FROM events e
    CROSS JOIN run_params r
    JOIN raw_partners p USING (partner_id)
    LEFT JOIN partner_end x USING (partner_id)
    LEFT JOIN day_rates fx ON fx.currency = e.currency AND fx.day = e.booked_on
    LEFT JOIN program_days y ON y.day = e.earned_on
    WHERE e.earned_on <= r.as_of
),
attributed AS (
    -- the first entry that holds, by the event's key (its row in its input);
    -- asked of every event (only those that earn keep it), with only the
    -- joins its conditions need
    SELECT e.event_key, min(a.ord) AS ord
    FROM (
        SELECT e.event_key, e.source, e.license_type, e.tags, e.solution, e.partner_id, e.earned_on,
               p.country, p.emerging_market, y.program_year
        FROM events e
        JOIN raw_partners p USING (partner_id)
        LEFT JOIN program_days y ON y.day = e.earned_on
    ) e
    JOIN attribution_rules a
      ON attribution_holds(a."when", {'source': e.source, 'license_type': e.license_type, 'tags': e.tags,
                                      'solution': e.solution, 'country': e.country,
                                      'emerging_market': e.emerging_market, 'program_year': e.program_year})
    SEMI JOIN business_model_periods r
      ON r.partner_id = e.partner_id AND r.business_model = a.business_model
     AND r.from_on <= e.earned_on AND r.until_on > e.earned_on
    GROUP BY e.event_key
)
SELECT e.* EXCLUDE (event_key, country, emerging_market),
       CASE WHEN e.reason IS NULL THEN points_of(e.tcv_usd, b.factor, b.factor6, b.fast_below) END AS points,
       CASE WHEN e.reason IS NULL THEN coalesce(m.business_model, 'unattributed') END AS business_model
FROM priced e
LEFT JOIN attributed t USING (event_key)
LEFT JOIN attribution_rules m ON m.ord = t.ord
LEFT JOIN point_rules b ON b.program_year = e.program_year AND b.component = 'base'
