-- RULES.md sections 2 and 4: what each ledger row's points are a product of,
-- per program year: the base (points_per_usd), each multiplier (its bonus on
-- the base) with its conditions as lists (NULL = no condition on that key),
-- and influence (points_per_usd * rate). points_of (macros.sql) rounds
-- usd * factor to the cent.
WITH rules AS (
    SELECT program_year, 'base' AS component, NULL::VARCHAR AS rule_id, NULL::INTEGER AS ord,
           points_per_usd::DECIMAL(38,18) AS factor, NULL::BOOLEAN AS emerging_market
    FROM rule_years
    UNION ALL
    SELECT y.program_year, 'influence', NULL, NULL, y.points_per_usd::DECIMAL(38,9) * y.influence_rate, NULL
    FROM rule_years y
    UNION ALL
    SELECT m.program_year, 'multiplier', m.multiplier_id, m.ord, y.points_per_usd::DECIMAL(38,9) * m.bonus, m.emerging_market
    FROM rule_multipliers m JOIN rule_years y USING (program_year)
),
conditions AS (
    SELECT program_year, multiplier_id AS rule_id,
           list(value ORDER BY value) FILTER (WHERE condition = 'license_types')   AS license_types,
           list(value ORDER BY value) FILTER (WHERE condition = 'tags')            AS tags,
           list(value ORDER BY value) FILTER (WHERE condition = 'solutions')       AS solutions,
           list(value ORDER BY value) FILTER (WHERE condition = 'countries')       AS countries,
           list(value ORDER BY value) FILTER (WHERE condition = 'business_models') AS business_models,
           list(value ORDER BY value) FILTER (WHERE condition = 'program_years')   AS program_years
    FROM rule_multiplier_values
    GROUP BY ALL
)
SELECT r.program_year, r.component, r.rule_id, r.ord, r.factor::DECIMAL(38,18) AS factor,
       factor6_of(r.factor::DECIMAL(38,18)) AS factor6, fast_below_of(r.factor::DECIMAL(38,18)) AS fast_below,
       r.emerging_market, c.license_types, c.tags, c.solutions, c.countries, c.business_models, c.program_years
FROM rules r
LEFT JOIN conditions c USING (program_year, rule_id)
