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
changes AS (
    -- +1 the day a requirement becomes met, -1 the day it stops being met,
    -- 0 on the other days standing is evaluated on. A requirement is met
    -- from d on while its running count is positive; met_before: on the
    -- partner's previous day of that requirement (not met before its first).
    -- Both sums are one pass of one window.
    SELECT partner_id, d,
           CASE WHEN met = met_before THEN 0 WHEN met THEN 1 ELSE -1 END AS delta
    FROM (SELECT partner_id, d,
                 sum(delta) OVER (w ROWS UNBOUNDED PRECEDING) > 0 AS met,
                 coalesce(sum(delta) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) > 0 AS met_before
          FROM requirement_days
          WINDOW w AS (PARTITION BY partner_id, requirement ORDER BY d))
    UNION ALL
    SELECT partner_id, enrolled_on, 0 FROM raw_partners
    UNION ALL
    SELECT partner_id, terminated_on, 0 FROM raw_partners WHERE terminated_on IS NOT NULL
),
met AS (
    -- the number of requirements met from d on, and on the partner's
    -- previous evaluation day (prev_d; NULL on its first)
    SELECT partner_id, d,
           sum(sum(delta)) OVER (w ROWS UNBOUNDED PRECEDING) AS requirements_met,
           sum(sum(delta)) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS requirements_met_before,
           lag(d) OVER w AS prev_d
    FROM changes
    GROUP BY partner_id, d
    WINDOW w AS (PARTITION BY partner_id ORDER BY d)
),
evaluated AS (
    SELECT m.partner_id, m.d AS changed_on,
           p.enrolled_on <= m.d
           AND (p.terminated_on IS NULL OR p.terminated_on > m.d)
           AND m.requirements_met = r.n AS good_standing,
           CASE WHEN m.prev_d IS NOT NULL THEN
               p.enrolled_on <= m.prev_d
               AND (p.terminated_on IS NULL OR p.terminated_on > m.prev_d)
               AND coalesce(m.requirements_met_before, 0) = r.n
           END AS good_standing_before
    FROM met m
    JOIN raw_partners p USING (partner_id)
    CROSS JOIN (SELECT count(*) AS n FROM rule_requirements) r
)
-- the first evaluation day of a partner, and every day its standing changes
SELECT partner_id, changed_on, good_standing
FROM evaluated
WHERE good_standing IS DISTINCT FROM good_standing_before
