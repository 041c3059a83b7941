-- RULES.md section 4: one award per partner and booking, from its earliest
-- valid claim (approved_on, claim_id): tcv_usd * points_per_usd * rate of the
-- booking's year, no multipliers, no cap, earned on booked_on.
-- business_model: as for booking events (section 12), on booked_on; the
-- award's event has no license type, tags or solution of its own (solution:
-- the booking's, which credits its solution area, section 14).
--
-- The award is the first row of its (partner, booking) in the order of
-- (approved_on, claim_id): the earliest claim's, and on it every column of
-- the booking and its year, which all its candidates share. The business
-- model is the partner's and the booking's too, the same on every candidate:
-- the first entry (ord) that holds and that the partner is registered in,
-- so the order goes on to the registered entries, then ord (a LEFT JOIN
-- row per holding entry). contested: another valid claim of the partner on
-- the booking lost to this one (081_denials). One window pass over the
-- candidates, rather than a grouping with an aggregate per column.
WITH candidates AS (
    SELECT c.*, p.country, p.emerging_market
    FROM influence_candidates c
    JOIN raw_partners p USING (partner_id)
    WHERE c.reason IS NULL
),
attributed AS (
    SELECT c.*, a.business_model AS entry_model, a.ord, r.partner_id IS NOT NULL AS registered
    FROM candidates c
    LEFT JOIN attribution_rules a
      ON attribution_holds_without_deal(a."when", 'influence', c.country, c.emerging_market, c.program_year)
    LEFT JOIN business_model_periods r
      ON r.partner_id = c.partner_id AND r.business_model = a.business_model
     AND r.from_on <= c.booked_on AND r.until_on > c.booked_on
)
SELECT claim_id, partner_id, kind, booking_id, solution, program_year, booked_on, tcv_usd, booking_status, terminated_on,
       points_of(tcv_usd, factor, factor6, fast_below) AS points,
       CASE WHEN registered THEN entry_model ELSE 'unattributed' END AS business_model,
       min(claim_id) OVER award <> max(claim_id) OVER award AS contested
FROM attributed
WINDOW award AS (PARTITION BY partner_id, booking_id)
QUALIFY row_number() OVER (PARTITION BY partner_id, booking_id
                           ORDER BY approved_on, claim_id, registered DESC, ord) = 1
