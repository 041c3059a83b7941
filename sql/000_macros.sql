-- Exact rounding half away from zero, fast.
--
-- DuckDB rounds a DECIMAL wider than 18 digits (the 128-bit product of
-- tcv * rate, or tcv_usd * points_per_usd * bonus) with 128-bit division,
-- about a microsecond a row: a quarter of the rules' time at 1M bookings
-- (BENCHMARKS.md). round_half_away(exact, approx, unit) gives the same
-- result about four times faster: approx, the same product computed in
-- DOUBLE from the 64-bit operands, picks the nearest multiple of unit; the
-- exact remainder (128-bit subtraction and comparison, which are fast) moves
-- it by one unit where the double was off and settles ties away from zero.
-- A value the double cannot place within one unit (beyond 2^53 units:
-- 9 billion dollars to the millionth, 90 trillion points to the cent)
-- stops the run rather than round wrongly. The result has the scale of
-- unit; callers cast it to their DECIMAL.
CREATE OR REPLACE MACRO round_fix(exact, c0, unit) AS
    (c0 + CASE
        WHEN abs(exact - c0::DECIMAL(18,0) * unit) > unit * 1.5
            THEN error('round_half_away: ' || exact::VARCHAR || ' is too large to round exactly to ' || unit::VARCHAR)
        WHEN exact - c0::DECIMAL(18,0) * unit > unit * 0.5
          OR (exact - c0::DECIMAL(18,0) * unit = unit * 0.5 AND exact > 0) THEN 1
        WHEN exact - c0::DECIMAL(18,0) * unit < unit * -0.5
          OR (exact - c0::DECIMAL(18,0) * unit = unit * -0.5 AND exact < 0) THEN -1
        ELSE 0
     END)::DECIMAL(18,0) * unit;

CREATE OR REPLACE MACRO round_half_away(exact, approx, unit) AS
    round_fix(exact, round(approx / unit)::BIGINT, unit);

-- TCV in USD, kept to 6 decimals (a millionth of a dollar), with the rate
-- of the booking's day (NULL for USD: no conversion).
CREATE OR REPLACE MACRO to_usd(tcv, usd_per_unit) AS
    CASE WHEN usd_per_unit IS NULL THEN tcv
         ELSE round_half_away(tcv::DECIMAL(38,6) * usd_per_unit, tcv::DOUBLE * usd_per_unit::DOUBLE, 0.000001)
    END::DECIMAL(18,6);

-- A ledger row's entry_id (CONTRACT.md points_ledger), unique and stable:
-- booking:B1:base, booking:B1:multiplier:rule, oem_credit:O1:base,
-- lifecycle:L1:base, influence:I1:B1:base, influence:I1:B1:vendor_termination.
-- One concat (which skips NULLs) rather than a chain of ||: a third of the
-- time over the 22M rows of a 10M-booking ledger.
CREATE OR REPLACE MACRO ledger_entry_id(source, source_id, booking_id, component, rule_id) AS
    concat(source, ':', source_id,
           CASE WHEN source = 'influence' THEN ':' || booking_id END,
           ':', component,
           CASE WHEN source IN ('booking', 'oem_credit') THEN ':' || rule_id END);
