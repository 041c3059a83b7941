-- RULES.md section 4: one award per partner and booking, from its earliest
-- valid claim (approved_on, claim_id): tcv_usd * points_per_usd * rate of the
-- booking's year, no multipliers, no cap, earned on booked_on.
-- business_model: as for booking events (section 12), on booked_on; the
-- award's event has no license type, tags or solution of its own.
WITH awards AS MATERIALIZED (
    -- the earliest claim by (approved_on, claim_id); the rest of a row is
    -- the booking's, the same for every claim on it
    SELECT earliest.claim_id, partner_id, earliest.kind, booking_id, program_year, booked_on, tcv_usd,
           booking_status, terminated_on, points_of(tcv_usd, factor, factor6, fast_below) AS points
    FROM (
        SELECT partner_id, booking_id,
               min({'approved_on': approved_on, 'claim_id': claim_id, 'kind': kind}) AS earliest,
               any_value(program_year) AS program_year, any_value(booked_on) AS booked_on,
               any_value(tcv_usd) AS tcv_usd, any_value(booking_status) AS booking_status,
               any_value(terminated_on) AS terminated_on, any_value(factor) AS factor,
               any_value(factor6) AS factor6, any_value(fast_below) AS fast_below
        FROM influence_candidates
        WHERE reason IS NULL
        GROUP BY partner_id, booking_id
    )
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
