-- RULES.md section 4: one award per partner and booking, from its earliest
-- valid claim (approved_on, claim_id): tcv_usd * points_per_usd * rate of the
-- booking's year, no multipliers, no cap, earned on booked_on.
SELECT claim_id, partner_id, kind, booking_id, program_year, booked_on, tcv_usd,
       booking_status, terminated_on, points_of(tcv_usd, factor, factor6, fast_below) AS points
FROM influence_candidates
WHERE reason IS NULL
QUALIFY row_number() OVER (PARTITION BY partner_id, booking_id ORDER BY approved_on, claim_id) = 1
