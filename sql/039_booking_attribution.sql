-- RULES.md section 12: the business model of each booking event
-- (038_booking_inputs), by its event_key: the first attribution entry (ord)
-- whose conditions hold for the event and whose business model the partner
-- is registered in on earned_on. An event no entry takes has no row here
-- (040_booking_events makes it unattributed). It is asked of every event,
-- with only the joins its conditions need; 040 keeps it for those that earn.
-- Its own table, so that 040 joins a finished table on an integer key.
SELECT e.event_key, min(a.ord) AS ord
FROM (
    SELECT e.event_key, e.source, e.license_type, e.tags, e.solution, e.partner_id, e.earned_on,
           p.country, p.emerging_market, y.program_year
    FROM booking_inputs e
    JOIN raw_partners p USING (partner_id)
    LEFT JOIN program_days y ON y.day = e.earned_on
) e
JOIN attribution_rules a
  ON attribution_holds(a."when", {'source': e.source, 'license_type': e.license_type, 'tags': e.tags,
                                  'solution': e.solution, 'country': e.country,
                                  'emerging_market': e.emerging_market, 'program_year': e.program_year})
SEMI JOIN business_model_periods r
  ON r.partner_id = e.partner_id AND r.business_model = a.business_model
 AND r.from_on <= e.earned_on AND r.until_on > e.earned_on
GROUP BY e.event_key
