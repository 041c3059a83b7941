-- RULES.md section 4: influence points, for partners registered in the
-- solution_services business model that did not transact the deal.
--
-- A claim is valid when approved; a poc or technical_assessment also needs
-- approved_on <= work_started_on (no retroactive claims) and, once work is
-- completed, completion_submitted_on <= work_completed_on +
-- completion_claim_days (a completion not yet submitted is late once that day
-- has passed on as_of). The bookings it influences are its matches
-- (035_influence_matches.sql: customer, solution, opportunity, window; and
-- whether the claimant transacts the deal). Points: tcv_usd * points_per_usd
-- * rate of the booking's year, no multipliers, no cap, earned on booked_on;
-- one award per partner and booking, from its earliest valid claim
-- (approved_on, claim_id).

CREATE OR REPLACE TABLE influence_claim_checks AS
SELECT c.*,
       CASE
           WHEN c.status <> 'approved' THEN 'not_approved'
           WHEN c.kind IN ('poc', 'technical_assessment') AND c.work_started_on < c.approved_on THEN 'retroactive_claim'
       END AS claim_reason
FROM raw_influence_claims c
WHERE c.status <> 'approved' OR c.approved_on <= (SELECT as_of FROM as_of);

-- A table, not the view: its row count is known, and the joins below build
-- their hash tables on the small sides (on the view, DuckDB estimated a few
-- thousand rows for 6M at 10M bookings and built them on its side, which
-- took twice as long).
CREATE OR REPLACE TABLE influence_matches AS SELECT * FROM influence_match_rows;

CREATE OR REPLACE TABLE influence_candidates AS
SELECT c.claim_id, c.partner_id, c.kind, c.approved_on, m.booking_id,
       m.program_year, m.booked_on, m.tcv_usd, m.booking_status, m.terminated_on,
       CASE
           WHEN c.claim_reason IS NOT NULL THEN c.claim_reason
           WHEN m.program_year IS NULL THEN 'outside_program_year'
           WHEN c.kind IN ('poc', 'technical_assessment') AND c.work_completed_on IS NOT NULL
                AND coalesce(c.completion_submitted_on, (SELECT as_of FROM as_of))
                    > c.work_completed_on + y.completion_claim_days THEN 'late_completion_claim'
           WHEN m.claimant_transacts THEN 'transacting_partner'
           WHEN ss.partner_id IS NULL THEN 'not_solution_services'
           WHEN m.booked_on < p.enrolled_on THEN 'before_enrollment'
           WHEN x.ended_on <= m.booked_on THEN 'partner_terminated'
       END AS reason,
       y.points_per_usd, y.influence_rate
FROM influence_claim_checks c
JOIN influence_matches m ON m.claim_id = c.claim_id AND m.partner_id = c.partner_id
JOIN raw_partners p ON p.partner_id = c.partner_id
LEFT JOIN business_model_periods ss
  ON ss.partner_id = c.partner_id AND ss.business_model = 'solution_services'
 AND ss.from_on <= m.booked_on AND ss.until_on > m.booked_on
LEFT JOIN partner_end x ON x.partner_id = c.partner_id
LEFT JOIN rule_years y ON y.program_year = m.program_year;

DROP TABLE influence_matches;

-- The awards keep what the ledger (080_points_ledger.sql) reads.
CREATE OR REPLACE TABLE influence_awards AS
SELECT claim_id, partner_id, kind, booking_id, program_year, booked_on, tcv_usd,
       booking_status, terminated_on, points_per_usd, influence_rate
FROM influence_candidates
WHERE reason IS NULL
QUALIFY row_number() OVER (PARTITION BY partner_id, booking_id ORDER BY approved_on, claim_id) = 1;

-- The candidates that earn nothing, and why (the claim's own reasons are
-- denied once per claim, from influence_claim_checks, in 080): the
-- candidates are dropped here, before the ledger and the levels.
CREATE OR REPLACE TABLE influence_denials AS
SELECT partner_id, claim_id, reason, 'booking ' || booking_id AS detail
FROM influence_candidates
WHERE reason IS NOT NULL AND reason NOT IN ('not_approved', 'retroactive_claim')
UNION ALL
SELECT c.partner_id, c.claim_id, 'earlier_claim_awarded', 'booking ' || c.booking_id
FROM influence_candidates c
JOIN influence_awards a USING (partner_id, booking_id)
WHERE c.reason IS NULL AND c.claim_id <> a.claim_id;

DROP TABLE influence_candidates;
DROP VIEW influence_match_rows;
DROP TABLE day_rates; -- 012, read by the matches
DROP TABLE IF EXISTS deal_transactors; -- 035, not in a range of partners
DROP TABLE IF EXISTS influence_match_params;
