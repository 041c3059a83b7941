-- RULES.md section 12: the business-model attribution entries in order, each
-- with its conditions as lists (NULL = no condition on that key), for
-- attribution_holds (macros.sql).
WITH conditions AS (
    SELECT ord,
           list(value ORDER BY value) FILTER (WHERE condition = 'sources')       AS sources,
           list(value ORDER BY value) FILTER (WHERE condition = 'license_types') AS license_types,
           list(value ORDER BY value) FILTER (WHERE condition = 'tags')          AS tags,
           list(value ORDER BY value) FILTER (WHERE condition = 'solutions')     AS solutions,
           list(value ORDER BY value) FILTER (WHERE condition = 'countries')     AS countries,
           list(value ORDER BY value) FILTER (WHERE condition = 'program_years') AS program_years
    FROM rule_attribution_values
    GROUP BY ord
)
SELECT a.ord, a.business_model,
       {'sources': c.sources, 'license_types': c.license_types, 'tags': c.tags, 'solutions': c.solutions,
        'countries': c.countries, 'emerging_market': a.emerging_market, 'program_years': c.program_years} AS "when"
FROM rule_attribution a
LEFT JOIN conditions c USING (ord)
