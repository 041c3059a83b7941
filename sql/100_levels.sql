-- PLACEHOLDER until the levels models land (RULES.md sections 6 to 10):
-- partner_levels carries the points columns only.
CREATE OR REPLACE TABLE partner_levels AS
SELECT p.partner_id, a.as_of, pp.program_year, pp.booking_points, pp.lifecycle_points, pp.influence_points,
       (pp.booking_points + pp.lifecycle_points + pp.influence_points)::DECIMAL(18,2) AS performance_points,
       coalesce(c.capability_points, 0)::DECIMAL(18,2) AS capability_points,
       NULL::BOOLEAN AS good_standing, NULL::VARCHAR AS earned_level, NULL::VARCHAR AS baseline_level,
       NULL::VARCHAR AS level, NULL::VARCHAR AS next_level,
       NULL::DECIMAL(18,2) AS performance_points_to_next, NULL::DECIMAL(18,2) AS capability_points_to_next
FROM raw_partners p
CROSS JOIN as_of a
JOIN partner_points pp USING (partner_id)
LEFT JOIN partner_capability_points c USING (partner_id)
WHERE p.enrolled_on <= a.as_of;

CREATE OR REPLACE TABLE level_history (partner_id VARCHAR, level VARCHAR, valid_from DATE, valid_to DATE, reason VARCHAR);
CREATE OR REPLACE TABLE audits (partner_id VARCHAR, program_year VARCHAR, audit_on DATE, previous_level VARCHAR, earned_level VARCHAR,
    outcome VARCHAR, level_after VARCHAR, remediation_until DATE, reenroll_until DATE, reinstated_on DATE, terminated_on DATE);
CREATE OR REPLACE TABLE migration (partner_id VARCHAR, migrated_on DATE, based_on VARCHAR, legacy_level VARCHAR, earned_level VARCHAR,
    migrated_level VARCHAR, protected BOOLEAN);
CREATE OR REPLACE TABLE notifications (partner_id VARCHAR, kind VARCHAR, due_on DATE, about_on DATE, days_before INTEGER);
