-- Every accepted booking and OEM credit earned on or before as_of has
-- exactly one base ledger row or exactly one denial, and no other event has
-- any: nothing is lost or counted twice between the inputs and the outputs.
--
-- Compared per partner and source as multisets of event ids: their count
-- and the sum of a 64-bit hash of each id. An id missing, extra or counted
-- twice changes both (a hash sum that hides it needs a collision of 64-bit
-- hashes), and grouping by partner is far cheaper than by event.
WITH events AS (
    SELECT partner_id, source, count(*) AS n, sum(hash(source_id)::HUGEINT) AS h
    FROM (
        SELECT b.partner_id, 'booking' AS source, b.booking_id AS source_id
        FROM raw_bookings b, run_params r WHERE b.booked_on <= r.as_of
        UNION ALL
        SELECT c.partner_id, 'oem_credit', c.credit_id
        FROM raw_oem_credits c, run_params r WHERE c.reported_on <= r.as_of
    )
    GROUP BY partner_id, source
),
accounted AS (
    SELECT partner_id, source, count(*) AS n, sum(hash(source_id)::HUGEINT) AS h
    FROM (
        SELECT partner_id, source, source_id FROM points_ledger
        WHERE component = 'base' AND source IN ('booking', 'oem_credit')
        UNION ALL
        -- a denial row per reason: two reasons for one event count twice
        SELECT partner_id, source, source_id FROM denials
        WHERE source IN ('booking', 'oem_credit')
    )
    GROUP BY partner_id, source
)
SELECT partner_id, source, e.n AS events, a.n AS base_rows_and_denials
FROM events e
FULL JOIN accounted a USING (partner_id, source)
WHERE e.n IS DISTINCT FROM a.n OR e.h IS DISTINCT FROM a.h
