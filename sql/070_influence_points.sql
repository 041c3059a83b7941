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
    SELECT customer_id, opportunity_id, solution, partner_id FROM booking_events WHERE source = 'booking'
    UNION ALL
    SELECT customer_id, opportunity_id, solution, unnest(contract_partner_ids) FROM booking_events WHERE source = 'booking'
)
SEMI JOIN (SELECT DISTINCT partner_id FROM influence_claim_checks WHERE claim_reason IS NULL) USING (partner_id);

-- The opportunities of each valid claim's customer and solution that its
-- partner transacts (NULL: bookings with no opportunity). A candidate is
-- looked up here by claim and opportunity: a small table, where joining
-- every candidate to deal_transactors built a hash table of the candidates.
CREATE OR REPLACE TABLE claim_transacted AS
SELECT c.claim_id, t.opportunity_id
FROM influence_claim_checks c
JOIN deal_transactors t ON t.partner_id = c.partner_id AND t.customer_id = c.customer_id AND t.solution = c.solution
WHERE c.claim_reason IS NULL;

-- Each partner's solution_services registrations merged into disjoint
-- periods [registered_on, ended_on), so whether a booking day is covered is
-- one ASOF lookup (the latest period starting on or before it) instead of a
-- correlated search of the registrations for every candidate. A
-- registration starts a new period when it starts after every earlier one
-- (in order of start) has ended; an empty one (ended_on = registered_on)
-- covers no day.
CREATE OR REPLACE TABLE solution_services_periods AS
WITH registered AS (
    SELECT partner_id, registered_on AS s, coalesce(ended_on, DATE '9999-12-31') AS e
    FROM raw_business_models
    WHERE business_model = 'solution_services' AND registered_on < coalesce(ended_on, DATE '9999-12-31')
),
marked AS (
    SELECT *, coalesce(s > max(e) OVER (PARTITION BY partner_id ORDER BY s, e ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), true) AS starts
    FROM registered
),
numbered AS (
    SELECT *, sum(starts::INTEGER) OVER (PARTITION BY partner_id ORDER BY s, e ROWS UNBOUNDED PRECEDING) AS island
    FROM marked
)
SELECT partner_id, min(s) AS registered_on, max(e) AS ended_on
FROM numbered
GROUP BY partner_id, island;

CREATE OR REPLACE TABLE influence_candidates AS
WITH matched AS (
    SELECT c.claim_id, c.partner_id, c.kind, c.approved_on, c.claim_reason, c.work_completed_on, c.completion_submitted_on,
           b.source_id AS booking_id, b.partner_id AS transacting_partner_id, b.program_year, b.booked_on, b.tcv_usd,
           b.status AS booking_status, b.terminated_on, b.opportunity_id AS booking_opportunity_id
    FROM influence_claim_checks c
    JOIN booking_events b
      ON b.source = 'booking' AND b.customer_id = c.customer_id AND b.solution = c.solution
     AND b.booked_on >= c.approved_on
    WHERE c.status = 'approved'
      AND coalesce(b.opportunity_id = c.opportunity_id, c.opportunity_id IS NULL)
)
SELECT m.claim_id, m.partner_id, m.kind, m.approved_on, m.booking_id,
       m.transacting_partner_id, m.program_year, m.booked_on, m.tcv_usd,
       m.booking_status, m.terminated_on,
       CASE
           WHEN m.claim_reason IS NOT NULL THEN m.claim_reason
           WHEN m.program_year IS NULL THEN 'outside_program_year'
           WHEN m.kind IN ('poc', 'technical_assessment') AND m.work_completed_on IS NOT NULL
                AND coalesce(m.completion_submitted_on, (SELECT as_of FROM as_of))
                    > m.work_completed_on + y.completion_claim_days THEN 'late_completion_claim'
           WHEN t.claim_id IS NOT NULL THEN 'transacting_partner'
           WHEN NOT coalesce(m.booked_on < ss.ended_on, false) THEN 'not_solution_services'
           WHEN m.booked_on < p.enrolled_on THEN 'before_enrollment'
           WHEN x.ended_on <= m.booked_on THEN 'partner_terminated'
       END AS reason,
       y.points_per_usd, y.influence_rate
FROM matched m
JOIN raw_partners p ON p.partner_id = m.partner_id
LEFT JOIN claim_transacted t
  ON t.claim_id = m.claim_id AND t.opportunity_id IS NOT DISTINCT FROM m.booking_opportunity_id
ASOF LEFT JOIN solution_services_periods ss
  ON ss.partner_id = m.partner_id AND m.booked_on >= ss.registered_on
LEFT JOIN partner_end x ON x.partner_id = m.partner_id
LEFT JOIN rule_years y ON y.program_year = m.program_year
WHERE m.booked_on <= (m.approved_on + to_years(coalesce(y.influence_window_years,
        (SELECT influence_window_years FROM rule_years ORDER BY year_rank DESC LIMIT 1))))::DATE;

CREATE OR REPLACE TABLE influence_awards AS
SELECT *
FROM influence_candidates
WHERE reason IS NULL
QUALIFY row_number() OVER (PARTITION BY partner_id, booking_id ORDER BY approved_on, claim_id) = 1;

DROP TABLE deal_transactors;
DROP TABLE claim_transacted;
DROP TABLE solution_services_periods;
