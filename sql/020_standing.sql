-- RULES.md section 6: good standing.
-- A partner is in good standing on day D when enrolled_on <= D, it is not
-- terminated on D (partners.terminated_on > D or none), and every foundational
-- requirement has a completion with completed_on <= D and no expires_on <= D.
--
-- Standing only changes on the dates below, so it is evaluated there and
-- stored as change points: `standing` holds (partner_id, changed_on,
-- good_standing), valid until the partner's next row. Its readers look a
-- day up with a range join on the partner's few rows:
--   LEFT JOIN (SELECT *, lead(changed_on, 1, DATE '9999-12-31')
--                        OVER (PARTITION BY partner_id ORDER BY changed_on) AS next_on
--              FROM standing) s
--     ON s.partner_id = x.partner_id AND x.d >= s.changed_on AND x.d < s.next_on
-- (no row: before enrollment, not in good standing).
--
-- Computed as a sweep, linear in the requirement rows: each foundational
-- requirement is met from the day its running count of completions (+1 on
-- completed_on, -1 on expires_on) turns positive until it drops to 0; the
-- partner's count of met requirements then moves by +1 or -1 on those days.
-- Standing is evaluated on every completion and expiry day, enrollment and
-- termination, and kept where it changes. (Joining every such day to every
-- completion of the partner instead grew as days x completions, and at 100M
-- bookings did not fit a 3 GB memory_limit.)

WITH completions AS (
    SELECT r.partner_id, r.requirement, r.completed_on, r.expires_on
    FROM raw_requirements r SEMI JOIN rule_requirements f USING (requirement)
),
requirement_days AS (
    SELECT partner_id, requirement, d, sum(delta) AS delta
    FROM (SELECT partner_id, requirement, completed_on AS d, 1 AS delta FROM completions
          UNION ALL
          SELECT partner_id, requirement, expires_on, -1 FROM completions WHERE expires_on IS NOT NULL)
    GROUP BY partner_id, requirement, d
),
requirement_met AS (
    -- whether the requirement is met from d on
    SELECT partner_id, requirement, d,
           sum(delta) OVER (PARTITION BY partner_id, requirement ORDER BY d) > 0 AS met
    FROM requirement_days
),
changes AS (
    -- +1 the day a requirement becomes met, -1 the day it stops being met,
    -- 0 on the other days standing is evaluated on
    SELECT partner_id, d,
           CASE WHEN met = coalesce(lag(met) OVER (PARTITION BY partner_id, requirement ORDER BY d), false) THEN 0
                WHEN met THEN 1
                ELSE -1
           END AS delta
    FROM requirement_met
    UNION ALL
    SELECT partner_id, enrolled_on, 0 FROM raw_partners
    UNION ALL
    SELECT partner_id, terminated_on, 0 FROM raw_partners WHERE terminated_on IS NOT NULL
),
met AS (
    SELECT partner_id, d, sum(sum(delta)) OVER (PARTITION BY partner_id ORDER BY d) AS requirements_met
    FROM changes
    GROUP BY partner_id, d
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
QUALIFY good_standing IS DISTINCT FROM lag(good_standing) OVER (PARTITION BY partner_id ORDER BY changed_on)
