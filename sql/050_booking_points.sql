-- RULES.md section 2: base points, stacking multipliers, the perpetual cap
-- and vendor terminations. Every row is rounded half away from zero to 2
-- decimals from its exact value, with the rules of the event's program year.

-- Multiplier conditions as lists (NULL = no condition on that key).
CREATE OR REPLACE TABLE multiplier_rules AS
SELECT m.program_year, m.multiplier_id, m.ord, m.bonus, m.emerging_market,
       list(v.value) FILTER (WHERE v.condition = 'license_types')   AS license_types,
       list(v.value) FILTER (WHERE v.condition = 'tags')            AS tags,
       list(v.value) FILTER (WHERE v.condition = 'solutions')       AS solutions,
       list(v.value) FILTER (WHERE v.condition = 'countries')       AS countries,
       list(v.value) FILTER (WHERE v.condition = 'business_models') AS business_models,
       list(v.value) FILTER (WHERE v.condition = 'program_years')   AS program_years
FROM rule_multipliers m
LEFT JOIN rule_multiplier_values v USING (program_year, multiplier_id)
GROUP BY ALL;

-- base: tcv_usd * points_per_usd
CREATE OR REPLACE TABLE booking_points AS
SELECT e.source, e.source_id, e.partner_id, e.program_year, e.earned_on,
       'base' AS component, NULL::VARCHAR AS rule_id, e.tcv_usd,
       round_half_away(e.tcv_usd::DECIMAL(38,6) * y.points_per_usd,
                       e.tcv_usd::DOUBLE * y.points_per_usd::DOUBLE, 0.01)::DECIMAL(18,2) AS points
FROM earning_bookings e
JOIN rule_years y USING (program_year);

-- multipliers: one row per matching rule; they stack (AND across keys, OR
-- within a list). A rule that names business models also needs one the
-- partner is registered in on booked_on (015_business_models.sql);
-- that lookup runs only for such rules (a separate INSERT), since asking it
-- of every booking cost a third of this step.
CREATE OR REPLACE VIEW multiplier_candidates AS
SELECT e.source, e.source_id, e.partner_id, e.program_year, e.earned_on, e.booked_on,
       m.multiplier_id, m.business_models, e.tcv_usd,
       round_half_away(e.tcv_usd::DECIMAL(38,6) * y.points_per_usd * m.bonus,
                       e.tcv_usd::DOUBLE * y.points_per_usd::DOUBLE * m.bonus::DOUBLE, 0.01)::DECIMAL(18,2) AS points
FROM earning_bookings e
JOIN rule_years y USING (program_year)
JOIN multiplier_rules m USING (program_year)
WHERE (m.license_types IS NULL OR list_contains(m.license_types, e.license_type))
  AND (m.tags IS NULL OR list_has_any(m.tags, e.tags))
  AND (m.solutions IS NULL OR list_contains(m.solutions, e.solution))
  AND (m.countries IS NULL OR list_contains(m.countries, e.country))
  AND (m.emerging_market IS NULL OR m.emerging_market = e.emerging_market)
  AND (m.program_years IS NULL OR list_contains(m.program_years, e.program_year));

INSERT INTO booking_points
SELECT source, source_id, partner_id, program_year, earned_on,
       'multiplier', multiplier_id, tcv_usd, points
FROM multiplier_candidates
WHERE business_models IS NULL;

INSERT INTO booking_points
SELECT c.source, c.source_id, c.partner_id, c.program_year, c.earned_on,
       'multiplier', c.multiplier_id, c.tcv_usd, c.points
FROM multiplier_candidates c
WHERE c.business_models IS NOT NULL
  AND EXISTS (SELECT 1 FROM business_model_periods b
              WHERE b.partner_id = c.partner_id
                AND list_contains(c.business_models, b.business_model)
                AND b.from_on <= c.booked_on AND b.until_on > c.booked_on);

DROP VIEW multiplier_candidates;

-- Vendor terminations: a booking the vendor terminated on or before as_of
-- gets one row that cancels its base and multiplier rows, in the booking's
-- program year, earned on terminated_on. It takes no part in the cap.
CREATE OR REPLACE TABLE vendor_terminated AS
SELECT e.source, e.source_id, e.terminated_on
FROM earning_bookings e, as_of a
WHERE e.status = 'vendor_terminated' AND e.terminated_on <= a.as_of;

-- The perpetual cap, per partner and program year, allocated in order of
-- (booked_on, source_id): the booking that crosses the cap loses the excess,
-- every later one all its points. Exempt countries are not capped.
CREATE OR REPLACE TABLE cap_allocation AS
WITH capped_events AS (
    SELECT e.source, e.source_id, e.partner_id, e.program_year, e.earned_on, e.booked_on, e.tcv_usd
    FROM earning_bookings e
    JOIN rule_cap_license_types c ON c.program_year = e.program_year AND c.license_type = e.license_type
    ANTI JOIN rule_cap_exempt_countries x ON x.program_year = e.program_year AND x.country = e.country
    ANTI JOIN vendor_terminated v ON v.source = e.source AND v.source_id = e.source_id
),
capped AS (
    -- the points of each capped event so far (base and multipliers)
    SELECT c.source, c.source_id, any_value(c.partner_id) AS partner_id,
           any_value(c.program_year) AS program_year, any_value(c.earned_on) AS earned_on,
           any_value(c.booked_on) AS booked_on, any_value(c.tcv_usd) AS tcv_usd, sum(p.points) AS points
    FROM capped_events c
    JOIN booking_points p USING (source, source_id)
    GROUP BY c.source, c.source_id
),
running AS (
    SELECT c.*, y.cap_max_points AS max_points,
           coalesce(sum(c.points) OVER (PARTITION BY c.partner_id, c.program_year
                                        ORDER BY c.booked_on, c.source_id, c.source
                                        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before
    FROM capped c JOIN rule_years y USING (program_year)
)
SELECT source, source_id, partner_id, program_year, earned_on, booked_on, tcv_usd,
       CASE WHEN before >= max_points THEN -points
            ELSE -(before + points - max_points) END::DECIMAL(18,2) AS points
FROM running
WHERE before + points > max_points AND points > 0;

INSERT INTO booking_points
SELECT source, source_id, partner_id, program_year, earned_on,
       'perpetual_cap', NULL, tcv_usd, points
FROM cap_allocation;

INSERT INTO booking_points
SELECT p.source, p.source_id, p.partner_id, p.program_year, v.terminated_on,
       'vendor_termination', NULL, any_value(p.tcv_usd), -sum(p.points)
FROM booking_points p
JOIN vendor_terminated v USING (source, source_id)
WHERE p.component IN ('base', 'multiplier')
GROUP BY ALL;

DROP TABLE multiplier_rules;
DROP TABLE vendor_terminated;

-- What is left to ask of the events: those that earn nothing, with their
-- reason (080_points_ledger.sql's denials), and what the checks ask, per
-- partner and source (checks/events_accounted_for.sql: how many, and a sum
-- of a hash of their ids; checks/base_reconciles_to_bookings.sql: the TCV
-- of those that earn). The events themselves, a wide table of every
-- booking, are dropped here: held until the checks, they made the influence
-- and levels models spill (at 10M bookings the run's tables outgrow
-- memory_limit, and DuckDB spills them uncompressed; BENCHMARKS.md).
CREATE OR REPLACE TABLE booking_denials AS
SELECT partner_id, source, source_id, reason
FROM booking_events
WHERE reason IS NOT NULL;

CREATE OR REPLACE TABLE booking_event_totals AS
SELECT partner_id, source, count(*) AS events, sum(hash(source_id)::HUGEINT) AS event_hash,
       sum(tcv_usd) FILTER (WHERE reason IS NULL) AS earned_tcv_usd
FROM booking_events
GROUP BY partner_id, source;

DROP VIEW earning_bookings;
DROP TABLE booking_events;
DROP TABLE cap_allocation;
