-- materialize: view
-- RULES.md sections 1, 2 and 11: the bookings and OEM credits as events, read
-- by 039_booking_attribution and 040_booking_events. An OEM credit is earned
-- on the day the OEM's report is processed (earned_on = reported_on) and
-- earns only if its partner is in good standing then; a booking on
-- booked_on. event_key: the event's row in its input, bookings even and
-- credits odd, a key as narrow as an integer for the attribution's join.
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
