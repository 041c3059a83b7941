-- Every booking and OEM credit earned on or before as_of has exactly one
-- base ledger row or exactly one denial: nothing is lost or counted twice.
SELECT e.source, e.source_id, count(DISTINCT l.entry_id) AS base_rows, count(DISTINCT d.reason) AS denials
FROM booking_events e
LEFT JOIN points_ledger l ON l.source = e.source AND l.source_id = e.source_id AND l.component = 'base'
LEFT JOIN denials d ON d.source = e.source AND d.source_id = e.source_id
GROUP BY ALL
HAVING count(DISTINCT l.entry_id) + count(DISTINCT d.reason) <> 1
