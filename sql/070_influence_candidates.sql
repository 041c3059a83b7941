-- RULES.md section 4: influence points, for partners registered in the
-- solution_services business model on the booking date that did not
-- transact the deal. Each match (035_influence_matches) with the claim's
-- and the claimant's conditions: once work is completed, the completion
-- must be submitted within completion_claim_days; a claim whose completion
-- is late (not submitted by that day) earns nothing on bookings after that
-- day, and keeps what it earned before it (the ledger is append-only in
-- time, RULES.md section 13: a row never depends on a later fact). reason: why the
-- match earns nothing (NULL when it earns); factor and its columns: the
-- influence rule of the booking's year (points_per_usd * rate).
SELECT c.claim_id, c.partner_id, c.kind, c.approved_on, m.booking_id, m.solution,
       m.program_year, m.booked_on, m.tcv_usd, m.booking_status, m.terminated_on,
       CASE
           WHEN c.claim_reason IS NOT NULL THEN c.claim_reason
           WHEN m.program_year IS NULL THEN 'outside_program_year'
           WHEN c.kind IN ('poc', 'technical_assessment') AND c.work_completed_on IS NOT NULL
                AND m.booked_on > c.work_completed_on + y.completion_claim_days
                AND coalesce(c.completion_submitted_on > c.work_completed_on + y.completion_claim_days, true)
                THEN 'late_completion_claim'
           WHEN m.claimant_transacts THEN 'transacting_partner'
           WHEN ss.partner_id IS NULL THEN 'not_solution_services'
           WHEN m.booked_on < p.enrolled_on THEN 'before_enrollment'
           WHEN x.ended_on <= m.booked_on THEN 'partner_terminated'
       END AS reason,
       f.factor, f.factor6, f.fast_below
FROM influence_claims_checked c
JOIN influence_matches m ON m.claim_id = c.claim_id AND m.partner_id = c.partner_id
JOIN raw_partners p ON p.partner_id = c.partner_id
LEFT JOIN business_model_periods ss
  ON ss.partner_id = c.partner_id AND ss.business_model = 'solution_services'
 AND ss.from_on <= m.booked_on AND ss.until_on > m.booked_on
LEFT JOIN partner_end x ON x.partner_id = c.partner_id
LEFT JOIN rule_years y ON y.program_year = m.program_year
LEFT JOIN point_rules f ON f.program_year = m.program_year AND f.component = 'influence'
