-- RULES.md section 2: multipliers are bonus points on the base, one row per
-- matching rule, and they stack: a rule matches when all of its conditions
-- hold (AND across keys, OR within a list). A rule that names business
-- models also needs one the partner is registered in on booked_on
-- (business_model_periods); only those rules ask it. matched is read twice
-- and not materialized: each branch reads the few columns it keeps from
-- booking_events rather than a copy of every matched row.
WITH matched AS NOT MATERIALIZED (
    SELECT e.source, e.source_id, e.partner_id, e.program_year, e.earned_on, e.booked_on, e.tcv_usd, e.business_model, e.solution,
           m.rule_id, m.ord, m.factor, m.factor6, m.fast_below, m.business_models
    FROM booking_events e
    JOIN raw_partners p USING (partner_id)
    JOIN point_rules m ON m.program_year = e.program_year AND m.component = 'multiplier'
    WHERE e.reason IS NULL
      AND (m.license_types IS NULL OR list_contains(m.license_types, e.license_type))
      AND (m.tags IS NULL OR list_has_any(m.tags, e.tags))
      AND (m.solutions IS NULL OR list_contains(m.solutions, e.solution))
      AND (m.countries IS NULL OR list_contains(m.countries, p.country))
      AND (m.emerging_market IS NULL OR m.emerging_market = p.emerging_market)
      AND (m.program_years IS NULL OR list_contains(m.program_years, e.program_year))
)
SELECT source, source_id, partner_id, program_year, earned_on, rule_id, business_model, solution,
       points_of(tcv_usd, factor, factor6, fast_below) AS points
FROM matched
WHERE business_models IS NULL
UNION ALL
SELECT m.source, m.source_id, m.partner_id, m.program_year, m.earned_on, m.rule_id, m.business_model, m.solution,
       points_of(m.tcv_usd, m.factor, m.factor6, m.fast_below)
FROM matched m
SEMI JOIN business_model_periods b
  ON b.partner_id = m.partner_id AND list_contains(m.business_models, b.business_model)
 AND b.from_on <= m.booked_on AND b.until_on > m.booked_on
WHERE m.business_models IS NOT NULL
