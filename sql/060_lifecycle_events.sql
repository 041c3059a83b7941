-- RULES.md section 3: lifecycle points. An approved claim earns
-- lifecycle_points[activity] of its program year on approved_on; submitted
-- and rejected claims earn nothing. reason: why a claim earns nothing (NULL
-- when it earns). business_model: as for booking events (section 12), on
-- approved_on.
WITH claims AS MATERIALIZED (
    SELECT c.claim_id, c.partner_id, c.activity, c.status, c.approved_on, y.program_year,
           p.country, p.emerging_market,
           CASE
               WHEN c.status <> 'approved' THEN 'not_approved'
               WHEN y.program_year IS NULL THEN 'outside_program_year'
               WHEN c.approved_on < p.enrolled_on THEN 'before_enrollment'
               WHEN x.ended_on <= c.approved_on THEN 'partner_terminated'
               WHEN l.points IS NULL THEN 'unknown_activity'
           END AS reason,
           round(l.points, 2)::DECIMAL(18,2) AS points
    FROM raw_lifecycle_claims c
    CROSS JOIN run_params r
    JOIN raw_partners p USING (partner_id)
    LEFT JOIN partner_end x USING (partner_id)
    LEFT JOIN program_days y ON y.day = c.approved_on
    LEFT JOIN rule_lifecycle_points l ON l.program_year = y.program_year AND l.activity = c.activity
    -- an approval after as_of has not happened yet in this snapshot
    WHERE c.status <> 'approved' OR c.approved_on <= r.as_of
),
attributed AS (
    SELECT c.claim_id, arg_min(a.business_model, a.ord) AS business_model
    FROM claims c
    JOIN attribution_rules a
      ON attribution_holds_without_deal(a."when", 'lifecycle', c.country, c.emerging_market, c.program_year)
    SEMI JOIN business_model_periods r
      ON r.partner_id = c.partner_id AND r.business_model = a.business_model
     AND r.from_on <= c.approved_on AND r.until_on > c.approved_on
    WHERE c.reason IS NULL
    GROUP BY c.claim_id
)
SELECT c.claim_id, c.partner_id, c.activity, c.status, c.approved_on, c.program_year, c.reason, c.points,
       CASE WHEN c.reason IS NULL THEN coalesce(t.business_model, 'unattributed') END AS business_model
FROM claims c
LEFT JOIN attributed t USING (claim_id)
