-- RULES.md section 4: one award per partner and booking, from its earliest
-- valid claim (approved_on, claim_id): tcv_usd * points_per_usd * rate of the
-- booking's year, no multipliers, no cap, earned on booked_on.
-- business_model: as for booking events (section 12), on booked_on; the
-- award's event has no license type, tags or solution of its own (solution:
-- the booking's, which credits its solution area, section 14).
WITH awards AS MATERIALIZED (
    SELECT claim_id, partner_id, kind, booking_id, solution, program_year, booked_on, tcv_usd,
           booking_status, terminated_on, points_of(tcv_usd, factor, factor6, fast_below) AS points
    FROM influence_candidates
    WHERE reason IS NULL
    QUALIFY row_number() OVER (PARTITION BY partner_id, booking_id ORDER BY approved_on, claim_id) = 1
),
attributed AS (
    SELECT w.partner_id, w.booking_id, arg_min(a.business_model, a.ord) AS business_model
    FROM awards w
    JOIN raw_partners p USING (partner_id)
    JOIN attribution_rules a
      ON attribution_holds(a."when", {'source': 'influence', 'license_type': NULL::VARCHAR, 'tags': NULL::VARCHAR[],
                                      'solution': NULL::VARCHAR, 'country': p.country,
                                      'emerging_market': p.emerging_market, 'program_year': w.program_year})
    SEMI JOIN business_model_periods r
      ON r.partner_id = w.partner_id AND r.business_model = a.business_model
     AND r.from_on <= w.booked_on AND r.until_on > w.booked_on
    GROUP BY w.partner_id, w.booking_id
)
SELECT w.*, coalesce(t.business_model, 'unattributed') AS business_model
FROM awards w
LEFT JOIN attributed t USING (partner_id, booking_id)
