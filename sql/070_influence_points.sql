-- RULES.md section 4: influence points, for partners registered in the
-- solution_services business model that did not transact the deal.
--
-- A claim is valid when approved; a poc or technical_assessment also needs
-- approved_on <= work_started_on (no retroactive claims) and, once work is
-- completed, completion_submitted_on <= work_completed_on +
-- completion_claim_days (a completion not yet submitted is late once that day
-- has passed on as_of). It influences a booking (not an OEM credit) with the
-- same customer_id and solution, the same opportunity_id if the claim names
-- one, booked in approved_on .. approved_on + window_years (calendar years,
-- inclusive). Points: tcv_usd * points_per_usd * rate of the booking's year,
-- no multipliers, no cap, earned on booked_on; one award per partner and
-- booking, from its earliest valid claim (approved_on, claim_id).
-- In a run in ranges of partners, engine.SplitRaw hands each range the
-- other ranges' bookings by the same match (customer, solution, opportunity,
-- booked on or after approval, or a contract naming partners): a change to
-- the match here must be made there too (TestRangesPublishTheSameTables).
-- Transacting: the booking's partner or a partner named in its
-- contract_partner_ids; one that transacts any booking of the same customer,
-- opportunity and solution earns no influence on that opportunity.

CREATE OR REPLACE TABLE influence_claim_checks AS
SELECT c.*,
       CASE
           WHEN c.status <> 'approved' THEN 'not_approved'
           WHEN c.kind IN ('poc', 'technical_assessment') AND c.work_started_on < c.approved_on THEN 'retroactive_claim'
       END AS claim_reason
FROM raw_influence_claims c
WHERE c.status <> 'approved' OR c.approved_on <= (SELECT as_of FROM as_of);

-- Who transacts each deal (customer, opportunity, solution): the partners of
-- its bookings and the partners named in their contracts; only partners that
-- claim influence are asked about, so only they are kept.
CREATE OR REPLACE TABLE deal_transactors AS
SELECT DISTINCT customer_id, opportunity_id, solution, partner_id
FROM (
    SELECT customer_id, opportunity_id, solution, partner_id FROM influence_bookings
    UNION ALL
    SELECT customer_id, opportunity_id, solution, unnest(contract_partner_ids) FROM influence_bookings
)
SEMI JOIN (SELECT DISTINCT partner_id FROM influence_claim_checks WHERE claim_reason IS NULL) USING (partner_id);

CREATE OR REPLACE TABLE influence_candidates AS
SELECT c.claim_id, c.partner_id, c.kind, c.approved_on, b.booking_id,
       b.partner_id AS transacting_partner_id, b.program_year, b.booked_on, b.tcv_usd,
       b.status AS booking_status, b.terminated_on,
       CASE
           WHEN c.claim_reason IS NOT NULL THEN c.claim_reason
           WHEN b.program_year IS NULL THEN 'outside_program_year'
           WHEN c.kind IN ('poc', 'technical_assessment') AND c.work_completed_on IS NOT NULL
                AND coalesce(c.completion_submitted_on, (SELECT as_of FROM as_of))
                    > c.work_completed_on + y.completion_claim_days THEN 'late_completion_claim'
           WHEN t.partner_id IS NOT NULL THEN 'transacting_partner'
           WHEN ss.partner_id IS NULL THEN 'not_solution_services'
           WHEN b.booked_on < p.enrolled_on THEN 'before_enrollment'
           WHEN x.ended_on <= b.booked_on THEN 'partner_terminated'
       END AS reason,
       y.points_per_usd, y.influence_rate
FROM influence_claim_checks c
JOIN influence_bookings b
  ON b.customer_id = c.customer_id AND b.solution = c.solution
 AND b.booked_on >= c.approved_on
JOIN raw_partners p ON p.partner_id = c.partner_id
LEFT JOIN deal_transactors t
  ON t.partner_id = c.partner_id AND t.customer_id = b.customer_id AND t.solution = b.solution
 AND t.opportunity_id IS NOT DISTINCT FROM b.opportunity_id
LEFT JOIN business_model_periods ss
  ON ss.partner_id = c.partner_id AND ss.business_model = 'solution_services'
 AND ss.from_on <= b.booked_on AND ss.until_on > b.booked_on
LEFT JOIN partner_end x ON x.partner_id = c.partner_id
LEFT JOIN rule_years y ON y.program_year = b.program_year
WHERE c.status = 'approved'
  AND coalesce(b.opportunity_id = c.opportunity_id, c.opportunity_id IS NULL)
  -- the window follows the rules of the booking's year; a booking in no
  -- year is kept with the default window only to be denied above
  AND b.booked_on <= (c.approved_on + to_years(coalesce(y.influence_window_years,
        (SELECT influence_window_years FROM rule_years ORDER BY year_rank DESC LIMIT 1))))::DATE;

CREATE OR REPLACE TABLE influence_awards AS
SELECT *
FROM influence_candidates
WHERE reason IS NULL
QUALIFY row_number() OVER (PARTITION BY partner_id, booking_id ORDER BY approved_on, claim_id) = 1;

DROP TABLE deal_transactors;
DROP VIEW influence_bookings;
DROP TABLE deal_bookings;
