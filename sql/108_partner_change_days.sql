-- materialize: view
-- RULES.md sections 5-7 and 14: the days a partner's level or tiers may
-- change for a reason other than its points or an area's credits:
-- enrollment, the start of each program year after it, a capability's
-- achieved_on or expires_on, a standing change. The levels
-- (112_level_evaluation_days) add the days performance points cross a
-- threshold, the designations (174_area_evaluations) the days an area's
-- credits cross one.
SELECT partner_id, enrolled_on AS d FROM enrolled_partners
UNION
SELECT e.partner_id, y.starts_on FROM enrolled_partners e JOIN rule_years y ON y.starts_on > e.enrolled_on
UNION
SELECT partner_id, achieved_on FROM raw_capabilities
UNION
SELECT partner_id, expires_on FROM raw_capabilities WHERE expires_on IS NOT NULL
UNION
SELECT partner_id, changed_on FROM standing
