-- The macros the models share; the engine runs this file before them.

-- round_half_away(exact, approx, unit): exact rounded half away from zero to a
-- multiple of unit. approx (the same product in DOUBLE) picks the nearest
-- multiple; the exact remainder, a 128-bit subtraction, corrects it by one
-- unit where the double was off and settles ties. DuckDB's own round() of a
-- 38-digit DECIMAL divides in 128 bits, several times slower. A value the
-- double cannot place within one unit stops the run rather than round wrongly
-- (extract rejects amounts that large, reason out_of_range).
CREATE OR REPLACE MACRO round_half_away(exact, approx, unit) AS
    (round(approx / unit)::BIGINT + CASE
        WHEN abs(exact - round(approx / unit)::DECIMAL(18,0) * unit) > unit * 1.5
            THEN error('round_half_away: ' || exact::VARCHAR || ' is too large to round exactly to ' || unit::VARCHAR)
        WHEN exact - round(approx / unit)::DECIMAL(18,0) * unit > unit * 0.5
          OR (exact - round(approx / unit)::DECIMAL(18,0) * unit = unit * 0.5 AND exact > 0) THEN 1
        WHEN exact - round(approx / unit)::DECIMAL(18,0) * unit < unit * -0.5
          OR (exact - round(approx / unit)::DECIMAL(18,0) * unit = unit * -0.5 AND exact < 0) THEN -1
        ELSE 0
     END)::DECIMAL(18,0) * unit;

-- RULES.md section 2: TCV in USD to the millionth of a dollar, with the rate
-- of the booking's day (NULL for USD: no conversion).
CREATE OR REPLACE MACRO to_usd(tcv, usd_per_unit) AS
    CASE WHEN usd_per_unit IS NULL THEN tcv
         ELSE round_half_away(tcv::DECIMAL(38,6) * usd_per_unit, tcv::DOUBLE * usd_per_unit::DOUBLE, 0.000001)
    END::DECIMAL(18,6);

-- RULES.md: every ledger row is usd * factor (points_per_usd, times a bonus or
-- a rate) rounded half away from zero to the cent from its exact value. The
-- factors come from point_rules: factor exact, factor6 the same to six places
-- when it has no more, and fast_below the USD amount under which
-- usd * factor6 stays within DuckDB's 18-digit DECIMAL product. Below it DuckDB
-- multiplies and rounds in 64 bits; above it (or for a factor with more than
-- six places) in 128 bits: the same value, only slower.
CREATE OR REPLACE MACRO points_of(usd, factor, factor6, fast_below) AS
    CASE WHEN abs(usd) < fast_below THEN round(usd * factor6, 2)
         ELSE round(usd::DECIMAL(38,6) * factor, 2)
    END::DECIMAL(18,2);

-- point_rules' columns for a factor (DECIMAL(38,18), exact).
CREATE OR REPLACE MACRO factor6_of(factor) AS
    CASE WHEN factor = factor::DECIMAL(18,6) THEN factor::DECIMAL(18,6) END;
CREATE OR REPLACE MACRO fast_below_of(factor) AS
    CASE WHEN factor6_of(factor) IS NULL THEN 0
         ELSE least(900000 / greatest(factor6_of(factor)::DOUBLE, 0.000001), 100000000000)
    END::DECIMAL(18,6);

-- RULES.md section 12: whether an attribution entry's conditions (w, a row
-- of attribution_rules' `when`) hold for a ledger row's event (ev: its
-- source, license_type, tags, solution, the partner's country and
-- emerging_market, its program_year). AND across keys, OR within a list; a
-- condition on something the event does not have (a lifecycle claim's
-- license type) does not hold.
CREATE OR REPLACE MACRO attribution_holds(w, ev) AS
    coalesce((w.sources IS NULL OR list_contains(w.sources, ev.source))
         AND (w.license_types IS NULL OR list_contains(w.license_types, ev.license_type))
         AND (w.tags IS NULL OR list_has_any(w.tags, ev.tags))
         AND (w.solutions IS NULL OR list_contains(w.solutions, ev.solution))
         AND (w.countries IS NULL OR list_contains(w.countries, ev.country))
         AND (w.emerging_market IS NULL OR w.emerging_market = ev.emerging_market)
         AND (w.program_years IS NULL OR list_contains(w.program_years, ev.program_year)), false);

-- RULES.md section 12: attribution_holds for an event with no licence type,
-- tags or solution of its own (a lifecycle claim, an influence award): a
-- condition on those does not hold for it.
CREATE OR REPLACE MACRO attribution_holds_without_deal(w, source, country, emerging_market, program_year) AS
    attribution_holds(w, {'source': source, 'license_type': NULL::VARCHAR, 'tags': NULL::VARCHAR[],
                          'solution': NULL::VARCHAR, 'country': country,
                          'emerging_market': emerging_market, 'program_year': program_year});

-- RULES.md sections 7 and 8: what a partner holds on day d, a level or an
-- area's tier (142_level_days, 178_designation_days), from the rows in
-- effect on d: nothing once its partnership ended (ended_on); inside an
-- audit window (until window_to) the window's rank; otherwise the higher of
-- the baseline and the best rank earned in d's program year up to d.
CREATE OR REPLACE MACRO held_rank(ended_on, d, window_to, window_rank, baseline_rank, best_rank) AS
    CASE WHEN ended_on <= d THEN NULL
         WHEN window_to >= d THEN window_rank
         ELSE greatest(baseline_rank, best_rank)
    END;
-- and why it changed on d: the partnership ended, a window or a baseline
-- event began that day (a carried baseline is no change), else earned.
CREATE OR REPLACE MACRO held_reason(ended_on, d, window_from, window_reason, baseline_from, baseline_reason) AS
    CASE WHEN ended_on = d THEN 'terminated'
         WHEN window_from = d THEN window_reason
         WHEN baseline_from = d AND baseline_reason <> 'carried' THEN baseline_reason
         ELSE 'earned'
    END;
