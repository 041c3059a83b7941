-- RULES.md section 4: one award per partner and booking, from its earliest
-- valid claim (approved_on, claim_id): tcv_usd * points_per_usd * rate of the
-- booking's year, no multipliers, no cap, earned on booked_on.
-- business_model: as for booking events (section 12), on booked_on; the
-- award's event has no license type, tags or solution of its own (solution:
-- the booking's, which credits its solution area, section 14).
--
-- One grouping by (partner, booking) gives both: the claim and its kind are
-- the earliest claim's (arg_min); every other column is the booking's or its
-- year's, the same on each of its candidates (any_value); the business
-- model is the first entry (ord) that holds and that the partner is
-- registered in, over the candidates' attribution rows (the LEFT JOINs only
-- repeat a candidate once per entry). contested: another valid claim of the
-- partner on the booking lost to this one (081_denials).
WITH candidates AS (
    SELECT c.*, p.country, p.emerging_market
    FROM influence_candidates c
    JOIN raw_partners p USING (partner_id)
    WHERE c.reason IS NULL
)
SELECT arg_min(c.claim_id, (c.approved_on, c.claim_id)) AS claim_id, c.partner_id,
       arg_min(c.kind, (c.approved_on, c.claim_id)) AS kind, c.booking_id,
       any_value(c.solution) AS solution, any_value(c.program_year) AS program_year,
       any_value(c.booked_on) AS booked_on, any_value(c.tcv_usd) AS tcv_usd,
       any_value(c.booking_status) AS booking_status, any_value(c.terminated_on) AS terminated_on,
       any_value(points_of(c.tcv_usd, c.factor, c.factor6, c.fast_below)) AS points,
       coalesce(arg_min(a.business_model, a.ord) FILTER (WHERE r.partner_id IS NOT NULL), 'unattributed') AS business_model,
       min(c.claim_id) <> max(c.claim_id) AS contested
FROM candidates c
LEFT JOIN attribution_rules a
  ON attribution_holds_without_deal(a."when", 'influence', c.country, c.emerging_market, c.program_year)
LEFT JOIN business_model_periods r
  ON r.partner_id = c.partner_id AND r.business_model = a.business_model
 AND r.from_on <= c.booked_on AND r.until_on > c.booked_on
GROUP BY c.partner_id, c.booking_id
