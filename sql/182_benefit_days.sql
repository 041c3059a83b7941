-- disable_optimizers: build_side_probe_side
-- (DuckDB's row estimates would build the hash table of the last join on the
-- (partner, day, benefit) rows, not on the fewer held ones, and that of the
-- business-model condition on the days, not on the registrations.)
-- RULES.md section 15: whether a partner holds each benefit on each day its
-- benefits may change (benefit_causes), with the rules of the day's
-- program year: the partner is not terminated and each condition the
-- benefit names holds: its level is one of `levels`, it holds one of the
-- (area, tier) `designations`, it is registered in one of
-- `business_models` (AND across conditions, OR within one, as the
-- multipliers' conditions).
-- Before a partner's level history begins (at the migration, RULES.md
-- section 11) it holds no level: benefits of designations and business
-- models still hold then, those of levels do not.
WITH days AS (
    SELECT DISTINCT partner_id, d FROM benefit_causes
),
state AS (
    SELECT s.partner_id, s.d, y.program_year, l.level
    FROM days s
    ASOF JOIN level_years y ON s.d >= y.counts_from
    -- the level period in effect on d: from its valid_from until the
    -- partner's next one's (a range join on the partner's few periods)
    LEFT JOIN (SELECT *, lead(valid_from, 1, DATE '9999-12-31') OVER (PARTITION BY partner_id ORDER BY valid_from) AS next_from FROM level_history) l
      ON l.partner_id = s.partner_id AND s.d >= l.valid_from AND s.d < l.next_from
),
tiers_held AS MATERIALIZED (
    -- the designations held on each day (first by partner and day, then by
    -- the benefits' conditions: the few designations per partner before the
    -- many conditions per year)
    SELECT s.partner_id, s.d, s.program_year, h.solution_area, h.tier
    FROM state s
    JOIN designation_history h
      ON h.partner_id = s.partner_id AND h.valid_from <= s.d AND coalesce(h.valid_to >= s.d, true)
),
met AS (
    -- each condition of a benefit that holds on the day
    SELECT s.partner_id, s.d, v.benefit, v.condition
    FROM state s
    JOIN rule_benefit_values v ON v.program_year = s.program_year AND v.condition = 'levels' AND v.value = s.level
    UNION
    SELECT t.partner_id, t.d, v.benefit, v.condition
    FROM tiers_held t
    JOIN rule_benefit_values v
      ON v.program_year = t.program_year AND v.condition = 'designations'
     AND v.solution_area = t.solution_area AND v.value = t.tier
    UNION
    SELECT s.partner_id, s.d, v.benefit, v.condition
    FROM state s
    JOIN business_model_periods b ON b.partner_id = s.partner_id AND b.from_on <= s.d AND b.until_on > s.d
    JOIN rule_benefit_values v
      ON v.program_year = s.program_year AND v.condition = 'business_models' AND v.value = b.business_model
),
asked AS (
    SELECT program_year, benefit, count(DISTINCT condition) AS conditions
    FROM rule_benefit_values
    GROUP BY ALL
),
held AS (
    SELECT partner_id, d, benefit, count(*) AS conditions FROM met GROUP BY ALL
)
SELECT s.partner_id, s.d, s.program_year, b.benefit,
       coalesce(s.level IS DISTINCT FROM 'terminated' AND h.conditions = k.conditions, false) AS holds
FROM state s
JOIN rule_benefits b ON b.program_year = s.program_year
JOIN asked k ON k.program_year = b.program_year AND k.benefit = b.benefit
LEFT JOIN held h ON h.partner_id = s.partner_id AND h.d = s.d AND h.benefit = b.benefit
