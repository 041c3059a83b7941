-- RULES.md section 6: good standing.
-- A partner is in good standing on day D when enrolled_on <= D, it is not
-- terminated on D (partners.terminated_on > D or none), and every foundational
-- requirement has a completion with completed_on <= D and no expires_on <= D.
--
-- Standing only changes on the dates below, so it is evaluated there and
-- stored as change points: `standing` holds (partner_id, changed_on,
-- good_standing), valid until the partner's next row. Look a day up with
--   ASOF LEFT JOIN standing s ON s.partner_id = x.partner_id AND x.d >= s.changed_on
-- (no row: before enrollment, not in good standing).
--
-- Performance: join conditions are plain comparisons (an open end date is
-- 9999-12-31, never "IS NULL OR ..."), so DuckDB can hash-join on partner_id
-- instead of comparing every pair of rows.

CREATE OR REPLACE TABLE standing_dates AS
SELECT partner_id, enrolled_on AS d FROM raw_partners
UNION
SELECT partner_id, terminated_on FROM raw_partners WHERE terminated_on IS NOT NULL
UNION
SELECT r.partner_id, r.completed_on FROM raw_requirements r SEMI JOIN rule_requirements f USING (requirement)
UNION
SELECT r.partner_id, r.expires_on FROM raw_requirements r SEMI JOIN rule_requirements f USING (requirement)
WHERE r.expires_on IS NOT NULL;

CREATE OR REPLACE TABLE standing AS
WITH met AS (
    SELECT s.partner_id, s.d, count(DISTINCT r.requirement) AS requirements_met
    FROM standing_dates s
    LEFT JOIN (SELECT r.* FROM raw_requirements r SEMI JOIN rule_requirements f USING (requirement)) r
        ON r.partner_id = s.partner_id
       AND r.completed_on <= s.d
       AND coalesce(r.expires_on, DATE '9999-12-31') > s.d
    GROUP BY s.partner_id, s.d
),
evaluated AS (
    SELECT m.partner_id, m.d AS changed_on,
           p.enrolled_on <= m.d
           AND (p.terminated_on IS NULL OR p.terminated_on > m.d)
           AND m.requirements_met = (SELECT count(*) FROM rule_requirements) AS good_standing
    FROM met m JOIN raw_partners p USING (partner_id)
)
SELECT partner_id, changed_on, good_standing
FROM evaluated
QUALIFY good_standing IS DISTINCT FROM lag(good_standing) OVER (PARTITION BY partner_id ORDER BY changed_on);

-- Intermediate tables are dropped once their last reader has run: they
-- hold memory (or spill space) until the end of the run otherwise.
DROP TABLE standing_dates;
