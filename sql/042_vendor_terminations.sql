-- RULES.md section 2: a booking the vendor terminated on or before as_of
-- gets one row that cancels its base and multiplier rows, in the booking's
-- program year, earned on terminated_on. It takes no part in the cap.
WITH terminated AS (
    SELECT e.source, e.source_id, e.partner_id, e.program_year, e.vendor_terminated_on AS terminated_on,
           e.business_model, e.points
    FROM booking_events e, run_params r
    WHERE e.reason IS NULL AND e.vendor_terminated_on <= r.as_of
)
SELECT t.source, t.source_id, t.partner_id, t.program_year, t.terminated_on AS earned_on, t.business_model,
       (-(any_value(t.points) + coalesce(sum(m.points), 0)))::DECIMAL(18,2) AS points
FROM terminated t
LEFT JOIN booking_multipliers m USING (source, source_id)
GROUP BY ALL
