-- materialize: view
-- RULES.md section 4: the bookings each influence claim may be awarded on,
-- before the claimant's own conditions (070_influence_candidates.sql).
--
-- A claim approved on or before as_of matches a booking (not an OEM credit)
-- booked on or before as_of with the same customer_id and solution (an
-- equality join), the same opportunity_id if the claim names one, booked in
-- approved_on .. approved_on + window_years of the booking's program year
-- (calendar years, inclusive; a booking in no program year gets the last
-- year's window, only to be denied later). claimant_transacts: the claimant
-- is the partner of a booking of the same customer, opportunity and
-- solution booked on or before this one, or is named in its
-- contract_partner_ids (a later transaction denies only later awards: the
-- ledger is append-only in time, RULES.md section 13).
WITH claims AS (
    SELECT c.claim_id, c.partner_id, c.customer_id, c.opportunity_id, c.solution, c.approved_on
    FROM raw_influence_claims c, run_params r
    WHERE c.status = 'approved' AND c.approved_on <= r.as_of
),
deals AS (
    -- the bookings of the claims' customers and solutions
    SELECT b.booking_id, b.partner_id, b.customer_id, b.opportunity_id, b.solution, b.booked_on,
           b.tcv, b.currency, b.status, b.terminated_on, b.contract_partner_ids
    FROM raw_bookings b
    SEMI JOIN claims c ON c.customer_id = b.customer_id AND c.solution = b.solution
    CROSS JOIN run_params r
    WHERE b.booked_on <= r.as_of
),
transactors AS (
    -- who transacts each deal (customer, opportunity, solution), and from
    -- the first day it books it; no opportunity is the empty key
    -- (extraction makes an empty id NULL). Only claimants are asked about,
    -- so only a partner with a claim on the customer and solution is kept.
    SELECT customer_id, opportunity_key, solution, partner_id, min(booked_on) AS first_booked_on
    FROM (
        SELECT customer_id, coalesce(opportunity_id, '') AS opportunity_key, solution, booked_on,
               unnest(list_prepend(partner_id, contract_partner_ids)) AS partner_id
        FROM deals
    ) t
    SEMI JOIN claims c ON c.partner_id = t.partner_id AND c.customer_id = t.customer_id AND c.solution = t.solution
    GROUP BY ALL
),
last_window AS (
    SELECT influence_window_years FROM rule_years ORDER BY year_rank DESC LIMIT 1
)
SELECT c.claim_id, c.partner_id, b.booking_id, b.solution, d.program_year, b.booked_on,
       to_usd(b.tcv, fx.usd_per_unit) AS tcv_usd, b.status AS booking_status, b.terminated_on,
       coalesce(t.first_booked_on <= b.booked_on, false) AS claimant_transacts
FROM claims c
JOIN deals b ON b.customer_id = c.customer_id AND b.solution = c.solution AND b.booked_on >= c.approved_on
LEFT JOIN transactors t
  ON t.partner_id = c.partner_id AND t.customer_id = b.customer_id AND t.solution = b.solution
 AND t.opportunity_key = coalesce(b.opportunity_id, '')
CROSS JOIN last_window w
LEFT JOIN day_rates fx ON fx.currency = b.currency AND fx.day = b.booked_on
LEFT JOIN program_days d ON d.day = b.booked_on
LEFT JOIN rule_years y ON y.program_year = d.program_year
WHERE coalesce(b.opportunity_id = c.opportunity_id, c.opportunity_id IS NULL)
  AND b.booked_on <= (c.approved_on + to_years(coalesce(y.influence_window_years, w.influence_window_years)))::DATE
