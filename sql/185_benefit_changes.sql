-- publish: partner_id, changed_on, benefit
-- RULES.md section 15 (CONTRACT.md benefit_changes): every benefit gained or
-- lost in as_of's program year up to as_of, on the day it happened, with
-- the change that caused it: the causes of that day (benefit_causes) that
-- the benefit depends on (a level change when it names levels, or when the
-- partnership ended; a designation change of an area it names; a business
-- model it names; a new year's rules), joined by "; " in a fixed order.
WITH asks AS (
    SELECT program_year, benefit,
           bool_or(condition = 'levels') AS levels,
           list(DISTINCT solution_area) FILTER (WHERE condition = 'designations') AS areas,
           list(DISTINCT value) FILTER (WHERE condition = 'business_models') AS models
    FROM rule_benefit_values
    GROUP BY ALL
),
changes AS (
    SELECT p.partner_id, p.benefit, p.program_year, p.valid_from AS changed_on,
           CASE WHEN p.holds THEN 'gained' ELSE 'lost' END AS change
    FROM benefit_periods p
    CROSS JOIN as_of_year y
    WHERE p.valid_from BETWEEN y.starts_on AND least(y.ends_on, y.as_of)
)
SELECT g.partner_id, g.benefit, g.changed_on, g.change,
       coalesce(string_agg(c.because, '; ' ORDER BY c.kind, c.subject, c.because)
                    FILTER (WHERE c.kind = 'rules'
                               OR (c.kind = 'level' AND (k.levels OR c.subject = 'terminated'))
                               OR (c.kind = 'designation' AND list_contains(k.areas, c.subject))
                               OR (c.kind = 'business_model' AND list_contains(k.models, c.subject))),
                string_agg(c.because, '; ' ORDER BY c.kind, c.subject, c.because)) AS because
FROM changes g
JOIN asks k ON k.program_year = g.program_year AND k.benefit = g.benefit
JOIN benefit_causes c ON c.partner_id = g.partner_id AND c.d = g.changed_on
GROUP BY g.partner_id, g.benefit, g.changed_on, g.change
