-- RULES.md sections 7, 8 and 11: the partners enrolled on or before as_of,
-- with the day their partnership ended (partner_end, NULL while it lasts)
-- and last_day, the last day up to as_of on which they are a partner: the
-- days the level and designation timelines are evaluated on.
SELECT p.partner_id, p.enrolled_on, x.ended_on,
       least(a.as_of, coalesce(x.ended_on - 1, a.as_of)) AS last_day
FROM raw_partners p
CROSS JOIN run_params a
LEFT JOIN partner_end x USING (partner_id)
WHERE p.enrolled_on <= a.as_of
