-- Every booking and OEM credit earned on or before as_of has exactly one
-- base ledger row or exactly one denial: nothing is lost or counted twice;
-- and every base row of a booking or OEM credit is one of those events.
SELECT source, source_id, sum(events) AS events, sum(base_rows) AS base_rows, sum(denials) AS denials
FROM (
    SELECT source, source_id, 1 AS events, 0 AS base_rows, 0 AS denials FROM booking_events
    UNION ALL
    SELECT source, source_id, 0, 1, 0 FROM points_ledger
    WHERE component = 'base' AND source IN ('booking', 'oem_credit')
    UNION ALL
    SELECT source, source_id, 0, 0, 1 FROM (SELECT DISTINCT source, source_id, reason FROM denials)
    WHERE source IN ('booking', 'oem_credit')
)
GROUP BY source, source_id
HAVING sum(events) <> 1 OR sum(base_rows) + sum(denials) <> 1
