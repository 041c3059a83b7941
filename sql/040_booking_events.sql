-- RULES.md sections 1 and 2: bookings and OEM credits as earning events.
-- An OEM credit earns like a booking, on the day the OEM's report is
-- processed (earned_on = reported_on). TCV is converted to USD with the rate
-- of the latest valid_from on or before booked_on (extract rejected rows with
-- no rate); tcv_usd is kept to 6 decimals (a millionth of a dollar), and
-- points are computed exactly from it. Only what was earned on or before
-- as_of is in the snapshot.

-- The rate of each (currency, day) that has bookings: few pairs, looked up
-- with the latest valid_from on or before the day (USD needs none).
CREATE OR REPLACE TABLE day_rates AS
WITH days AS (
    SELECT DISTINCT currency, booked_on AS day FROM raw_bookings WHERE currency <> 'USD'
    UNION
    SELECT DISTINCT currency, booked_on FROM raw_oem_credits WHERE currency <> 'USD'
)
SELECT d.currency, d.day, fx.usd_per_unit
FROM days d
ASOF JOIN raw_fx_rates fx ON fx.currency = d.currency AND d.day >= fx.valid_from;

CREATE OR REPLACE TABLE booking_events AS
WITH events AS (
    SELECT 'booking' AS source, booking_id AS source_id, partner_id, customer_id, opportunity_id,
           solution, booked_on, booked_on AS earned_on, tcv, currency, license_type, tags,
           contract_partner_ids, status, terminated_on, row_number
    FROM raw_bookings
    UNION ALL
    SELECT 'oem_credit', credit_id, partner_id, customer_id, opportunity_id,
           solution, booked_on, reported_on, tcv, currency, license_type, tags,
           []::VARCHAR[], 'booked', NULL::DATE, row_number
    FROM raw_oem_credits
)
SELECT e.* EXCLUDE (row_number),
       y.program_year,
       coalesce(fx.usd_per_unit, 1)::DECIMAL(18,10) AS usd_per_unit,
       CASE WHEN fx.usd_per_unit IS NULL THEN e.tcv
            ELSE round_half_away(e.tcv::DECIMAL(38,6) * fx.usd_per_unit,
                                 e.tcv::DOUBLE * fx.usd_per_unit::DOUBLE, 0.000001)
       END::DECIMAL(18,6) AS tcv_usd
FROM events e
LEFT JOIN day_rates fx ON fx.currency = e.currency AND fx.day = e.booked_on
LEFT JOIN program_days y ON y.day = e.earned_on
WHERE e.earned_on <= (SELECT as_of FROM as_of);

-- Why an event earns nothing, if it does not (first reason that applies).
CREATE OR REPLACE TABLE booking_denials AS
SELECT e.partner_id, e.source, e.source_id, e.earned_on,
       CASE
           WHEN e.program_year IS NULL THEN 'outside_program_year'
           WHEN e.earned_on < p.enrolled_on THEN 'before_enrollment'
           WHEN x.ended_on <= e.earned_on THEN 'partner_terminated'
           WHEN e.source = 'oem_credit' AND NOT coalesce(s.good_standing, false) THEN 'not_in_good_standing'
       END AS reason
FROM booking_events e
JOIN raw_partners p USING (partner_id)
LEFT JOIN partner_end x USING (partner_id)
ASOF LEFT JOIN standing s ON s.partner_id = e.partner_id AND e.earned_on >= s.changed_on;
DELETE FROM booking_denials WHERE reason IS NULL;

CREATE OR REPLACE TABLE earning_bookings AS
SELECT e.*, p.country, p.emerging_market
FROM booking_events e
JOIN raw_partners p USING (partner_id)
ANTI JOIN booking_denials d USING (source, source_id);
