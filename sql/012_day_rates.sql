-- RULES.md section 2: TCV is converted with the rate of the latest
-- valid_from on or before the booking's day. Each rate is spread over the
-- days it is the latest, up to as_of, so an event finds its rate with an
-- equality join on (currency, day). USD needs none (to_usd, macros.sql).
SELECT f.currency, g.day::DATE AS day, f.usd_per_unit
FROM (
    SELECT currency, valid_from, usd_per_unit,
           lead(valid_from) OVER (PARTITION BY currency ORDER BY valid_from) AS next_from
    FROM raw_fx_rates
    WHERE currency <> 'USD'
) f
CROSS JOIN run_params r
CROSS JOIN LATERAL (
    SELECT unnest(generate_series(f.valid_from::TIMESTAMP,
                                  least(coalesce(f.next_from - 1, r.as_of), r.as_of)::TIMESTAMP,
                                  INTERVAL 1 DAY)) AS day
) g
WHERE f.valid_from <= r.as_of
