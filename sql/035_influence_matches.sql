-- RULES.md section 4: the bookings each influence claim may be awarded on,
-- before the claimant's own conditions (070_influence_points.sql).
--
-- A claim approved on or before as_of matches a booking (not an OEM credit)
-- booked on or before as_of with the same customer_id and solution, the same
-- opportunity_id if the claim names one, booked in approved_on ..
-- approved_on + window_years of the booking's program year (calendar years,
-- inclusive; a booking in no program year gets the last year's window, only
-- to be denied in 070). claimant_transacts: the claimant is the partner of a
-- booking of the same customer, opportunity and solution, or is named in its
-- contract_partner_ids (it then earns no influence on that opportunity).
--
-- This is the one model that reads other partners' bookings. In a run in
-- one piece it runs with the others, and 070 reads the view
-- influence_match_rows once, into a table. In a run in ranges of partners it
-- runs once over every partner before the ranges (engine.SplitRaw writes the
-- view's rows by the range of the claim's partner), and in each range
-- influence_match_rows is a view of its own claims' matches instead.

-- Who transacts each deal (customer, opportunity, solution), kept only for
-- the claimants of its customer and solution: the only ones asked about.
CREATE OR REPLACE TABLE deal_transactors AS
SELECT DISTINCT customer_id, opportunity_id, solution, partner_id
FROM (
    SELECT customer_id, opportunity_id, solution, unnest(list_prepend(partner_id, contract_partner_ids)) AS partner_id
    FROM raw_bookings
    WHERE booked_on <= (SELECT as_of FROM as_of)
)
SEMI JOIN (
    SELECT partner_id, customer_id, solution FROM raw_influence_claims
    WHERE status = 'approved' AND approved_on <= (SELECT as_of FROM as_of)
) USING (partner_id, customer_id, solution);

-- as_of and the window of a booking in no program year, as columns rather
-- than scalar subqueries (which become nested-loop joins).
CREATE OR REPLACE TABLE influence_match_params AS
SELECT a.as_of, (SELECT influence_window_years FROM rule_years ORDER BY year_rank DESC LIMIT 1) AS last_window_years
FROM as_of a;

CREATE OR REPLACE VIEW influence_match_rows AS
SELECT c.claim_id, c.partner_id, b.booking_id, d.program_year,
       b.booked_on, to_usd(b.tcv, fx.usd_per_unit) AS tcv_usd, b.status AS booking_status, b.terminated_on,
       t.partner_id IS NOT NULL AS claimant_transacts
FROM influence_match_params s
JOIN raw_influence_claims c ON c.approved_on <= s.as_of
JOIN raw_bookings b
  ON b.customer_id = c.customer_id AND b.solution = c.solution
 AND b.booked_on >= c.approved_on
LEFT JOIN day_rates fx ON fx.currency = b.currency AND fx.day = b.booked_on
LEFT JOIN program_days d ON d.day = b.booked_on
LEFT JOIN rule_years y ON y.program_year = d.program_year
LEFT JOIN deal_transactors t
  ON t.partner_id = c.partner_id AND t.customer_id = b.customer_id AND t.solution = b.solution
 AND t.opportunity_id IS NOT DISTINCT FROM b.opportunity_id
WHERE c.status = 'approved'
  AND b.booked_on <= s.as_of
  AND coalesce(b.opportunity_id = c.opportunity_id, c.opportunity_id IS NULL)
  -- the window follows the rules of the booking's year
  AND b.booked_on <= (c.approved_on + to_years(coalesce(y.influence_window_years, s.last_window_years)))::DATE;
