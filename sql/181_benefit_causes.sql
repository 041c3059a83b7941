-- RULES.md section 15: what a partner's benefits may change with, on the
-- day it takes effect, up to as_of, each with the words benefit_changes
-- gives as its cause: a level period (level_history; its first is the
-- enrollment), a designation period (designation_history), a business
-- model registration starting or ending (business_model_periods), and a
-- program year's start (its rules may give or take benefits). subject:
-- the new level, the area, the business model or the year.
WITH causes AS (
    SELECT partner_id, valid_from AS d, 'level' AS kind, level AS subject,
           CASE WHEN lag(level) OVER l IS NULL THEN 'enrolled at ' || level
                ELSE 'level ' || lag(level) OVER l || ' -> ' || level END AS because
    FROM level_history
    WINDOW l AS (PARTITION BY partner_id ORDER BY valid_from)
    UNION ALL
    SELECT partner_id, valid_from, 'designation', solution_area,
           'designation ' || solution_area || ' ' || coalesce(lag(tier) OVER t, 'none') || ' -> ' || coalesce(tier, 'none')
    FROM designation_history
    WINDOW t AS (PARTITION BY partner_id, solution_area ORDER BY valid_from)
    UNION ALL
    SELECT partner_id, from_on, 'business_model', business_model, 'business model ' || business_model || ' registered'
    FROM business_model_periods
    UNION ALL
    SELECT partner_id, until_on, 'business_model', business_model, 'business model ' || business_model || ' ended'
    FROM business_model_periods
    WHERE until_on < DATE '9999-12-31'
    UNION ALL
    SELECT p.partner_id, y.starts_on, 'rules', y.program_year, 'rules of ' || y.program_year
    FROM raw_partners p JOIN rule_years y ON y.starts_on > p.enrolled_on
)
SELECT c.*
FROM causes c, run_params a
WHERE c.d <= a.as_of
  AND EXISTS (SELECT 1 FROM rule_benefits)
