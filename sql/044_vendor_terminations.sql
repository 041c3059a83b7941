-- RULES.md sections 2 and 13: a booking the vendor terminated on or before
-- as_of gets one row, earned on terminated_on in the booking's program
-- year, that reverses its net points: its base, multipliers, perpetual_cap
-- and cap_release rows (043_cap_allocation: none comes after the
-- termination, so the net is the sum of every such row). A booking capped
-- in full nets 0, and its row says so. The room it held goes to later
-- capped events as cap_release rows on the same day (043_cap_allocation).
WITH terminated AS (
    SELECT e.source, e.source_id, e.partner_id, e.program_year, e.vendor_terminated_on AS terminated_on,
           e.business_model, e.solution, e.points
    FROM booking_events e, run_params r
    WHERE e.reason IS NULL AND e.vendor_terminated_on <= r.as_of
),
adjustments AS (
    SELECT m.source, m.source_id, m.points FROM booking_multipliers m SEMI JOIN terminated t USING (source, source_id)
    UNION ALL
    SELECT c.source, c.source_id, c.points FROM cap_allocation c SEMI JOIN terminated t USING (source, source_id)
)
SELECT t.source, t.source_id, t.partner_id, t.program_year, t.terminated_on AS earned_on, t.business_model, t.solution,
       (-(any_value(t.points) + coalesce(sum(a.points), 0)))::DECIMAL(18,2) AS points
FROM terminated t
LEFT JOIN adjustments a USING (source, source_id)
GROUP BY ALL
