-- partner_levels has one row per partner.
SELECT partner_id, count(*) AS rows FROM partner_levels GROUP BY partner_id HAVING count(*) > 1
