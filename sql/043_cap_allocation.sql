-- RULES.md section 2: the perpetual cap, per partner and program year,
-- allocated in order of (earned_on, source_id): the booking that crosses the
-- cap loses the excess, every later one all its points (base and
-- multipliers). An OEM credit of a capped license type takes its place by
-- its earned_on, reported_on (section 11). Exempt countries and
-- vendor-terminated bookings are not capped. The running sum runs over the
-- capped events only.
WITH capped_events AS (
    SELECT e.source, e.source_id, e.partner_id, e.program_year, e.earned_on, e.booked_on, e.business_model, e.points
    FROM booking_events e
    JOIN rule_cap_license_types c ON c.program_year = e.program_year AND c.license_type = e.license_type
    JOIN raw_partners p USING (partner_id)
    ANTI JOIN rule_cap_exempt_countries x ON x.program_year = e.program_year AND x.country = p.country
    ANTI JOIN vendor_terminations v ON v.source = e.source AND v.source_id = e.source_id
    WHERE e.reason IS NULL
),
capped AS (
    -- each capped event's base and multipliers
    SELECT c.source, c.source_id, c.partner_id, c.program_year, c.earned_on, c.booked_on, c.business_model,
           any_value(c.points) + coalesce(sum(m.points), 0) AS points
    FROM capped_events c
    LEFT JOIN booking_multipliers m USING (source, source_id)
    GROUP BY ALL
),
running AS (
    SELECT c.*, y.cap_max_points AS max_points,
           coalesce(sum(c.points) OVER (PARTITION BY c.partner_id, c.program_year
                                        ORDER BY c.earned_on, c.source_id, c.source
                                        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before
    FROM capped c JOIN rule_years y USING (program_year)
)
SELECT source, source_id, partner_id, program_year, earned_on, business_model,
       CASE WHEN before >= max_points THEN -points
            ELSE -(before + points - max_points) END::DECIMAL(18,2) AS points
FROM running
WHERE before + points > max_points AND points > 0
