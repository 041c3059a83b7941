-- Base rows reconcile to the accepted bookings' TCV in USD, per partner and
-- source: the TCV on base rows equals the TCV of the events that earned, and
-- each base row is that TCV times the year's points_per_usd, rounded half
-- away from zero to the cent (checked here from the exact difference, not
-- with the macro that computed it).
WITH earned AS (
    -- summed from the earning events by 050_booking_points.sql (NULL where
    -- none earns, as where there are none)
    SELECT partner_id, source, earned_tcv_usd AS tcv_usd FROM booking_event_totals
),
ledger AS (
    SELECT partner_id, source, sum(tcv_usd) AS tcv_usd
    FROM points_ledger WHERE component = 'base' AND source IN ('booking', 'oem_credit') GROUP BY ALL
)
SELECT coalesce(e.partner_id, l.partner_id) AS partner_id, coalesce(e.source, l.source) AS source,
       e.tcv_usd AS earned_tcv_usd, l.tcv_usd AS ledger_tcv_usd
FROM earned e FULL JOIN ledger l USING (partner_id, source)
WHERE e.tcv_usd IS DISTINCT FROM l.tcv_usd
UNION ALL
SELECT partner_id, source_id, tcv_usd, points
FROM (
    SELECT l.partner_id, l.source_id, l.tcv_usd, l.points,
           l.tcv_usd::DECIMAL(38,6) * y.points_per_usd AS exact,
           l.points - l.tcv_usd::DECIMAL(38,6) * y.points_per_usd AS off
    FROM points_ledger l JOIN rule_years y USING (program_year)
    WHERE l.component = 'base' AND l.source IN ('booking', 'oem_credit')
)
WHERE off > 0.005 OR off < -0.005
   OR (off = 0.005 AND exact < 0) OR (off = -0.005 AND exact > 0)
