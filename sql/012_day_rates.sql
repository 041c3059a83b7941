-- RULES.md section 1: TCV is converted to USD with the rate of the latest
-- valid_from on or before booked_on (extract rejected rows with no rate).
-- day_rates: the rate of each (currency, day) that has bookings or OEM
-- credits, few pairs, so the events (040) and the influence matches (035)
-- find theirs with an equality join (USD needs none: to_usd, 000_macros.sql).

CREATE OR REPLACE TABLE day_rates AS
WITH days AS (
    SELECT DISTINCT currency, booked_on AS day FROM raw_bookings WHERE currency <> 'USD'
    UNION
    SELECT DISTINCT currency, booked_on FROM raw_oem_credits WHERE currency <> 'USD'
)
SELECT d.currency, d.day, fx.usd_per_unit
FROM days d
ASOF JOIN raw_fx_rates fx ON fx.currency = d.currency AND d.day >= fx.valid_from;
