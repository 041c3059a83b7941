-- Base rows reconcile to the accepted bookings and OEM credits: per partner
-- and source, the TCV on base rows equals the TCV in USD of the events that
-- earned (every event earned on or before as_of that was not denied),
-- converted here from the raw rows and rates (the rate whose validity, from
-- its valid_from to the currency's next one, holds booked_on), not with the
-- models' day_rates; and each base row is its TCV times the year's
-- points_per_usd, rounded half away from zero to the cent (checked from the
-- exact difference, not with the macro that computed it).
WITH events AS (
    SELECT b.partner_id, 'booking' AS source, b.booking_id AS source_id, b.booked_on, b.tcv, b.currency
    FROM raw_bookings b, run_params r WHERE b.booked_on <= r.as_of
    UNION ALL
    SELECT c.partner_id, 'oem_credit', c.credit_id, c.booked_on, c.tcv, c.currency
    FROM raw_oem_credits c, run_params r WHERE c.reported_on <= r.as_of
),
earned AS (
    SELECT e.partner_id, e.source,
           sum(CASE WHEN e.currency = 'USD' THEN e.tcv
                    ELSE round(e.tcv::DECIMAL(38,6) * fx.usd_per_unit, 6) END) AS tcv_usd
    FROM events e
    ANTI JOIN denials d ON d.source = e.source AND d.source_id = e.source_id
    LEFT JOIN (SELECT currency, valid_from, usd_per_unit,
                      coalesce(lead(valid_from) OVER (PARTITION BY currency ORDER BY valid_from),
                               DATE '9999-12-31') AS valid_to
               FROM raw_fx_rates) fx
      ON fx.currency = e.currency AND e.booked_on >= fx.valid_from AND e.booked_on < fx.valid_to
    GROUP BY ALL
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
    SELECT l.partner_id, l.source_id, l.tcv_usd, l.points, y.points_per_usd,
           abs(l.points::DOUBLE - l.tcv_usd::DOUBLE * y.points_per_usd::DOUBLE) AS approx_off
    FROM points_ledger l JOIN rule_years y USING (program_year)
    WHERE l.component = 'base' AND l.source IN ('booking', 'oem_credit')
)
-- a row clearly within half a cent of its exact value is right; the others
-- (near the half cent, or off) are settled from the exact difference
WHERE approx_off > 0.00499
  AND (points - tcv_usd::DECIMAL(38,6) * points_per_usd > 0.005
       OR points - tcv_usd::DECIMAL(38,6) * points_per_usd < -0.005
       OR (points - tcv_usd::DECIMAL(38,6) * points_per_usd = 0.005 AND tcv_usd < 0)
       OR (points - tcv_usd::DECIMAL(38,6) * points_per_usd = -0.005 AND tcv_usd > 0))
