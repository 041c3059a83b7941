-- RULES.md sections 1, 2 and 12: bookings and OEM credits
-- (038_booking_inputs) as earning events, with their base points.
--
-- TCV is converted to USD with the rate of booked_on (day_rates) to six
-- places, and the base is tcv_usd * points_per_usd of the event's year,
-- rounded to the cent (points_of). Only what was earned on or before as_of
-- is in the snapshot; vendor_terminated_on: the day the vendor terminated a
-- booking, if it did. reason: why an event earns nothing (NULL when it
-- earns), the first that applies; points and business_model are NULL then.
-- business_model: the event's attribution entry (039_booking_attribution),
-- else unattributed; the event's multiplier, cap and termination rows
-- belong to it too.
WITH priced AS (
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
    FROM booking_inputs e
    CROSS JOIN run_params r
    JOIN raw_partners p USING (partner_id)
    LEFT JOIN partner_end x USING (partner_id)
    LEFT JOIN day_rates fx ON fx.currency = e.currency AND fx.day = e.booked_on
    LEFT JOIN program_days y ON y.day = e.earned_on
    WHERE e.earned_on <= r.as_of
)
SELECT e.* EXCLUDE (event_key, country, emerging_market),
       CASE WHEN e.reason IS NULL THEN points_of(e.tcv_usd, b.factor, b.factor6, b.fast_below) END AS points,
       CASE WHEN e.reason IS NULL THEN coalesce(m.business_model, 'unattributed') END AS business_model
FROM priced e
LEFT JOIN booking_attribution t USING (event_key)
LEFT JOIN attribution_rules m ON m.ord = t.ord
LEFT JOIN point_rules b ON b.program_year = e.program_year AND b.component = 'base'
