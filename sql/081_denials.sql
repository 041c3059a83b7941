-- publish: partner_id, source, source_id, reason, detail
-- CONTRACT.md denials: every event that earned nothing, with its reason (a
-- lifecycle claim's detail: its activity; an influence match's: the booking).
-- An influence claim's own reasons are denied once per claim; its matches'
-- reasons once per booking, and a valid match that lost to an earlier
-- claim on the same booking as earlier_claim_awarded. Each event, claim
-- and match is one row of its model, so no row comes twice.
SELECT partner_id, source, source_id, reason, detail
FROM (
    SELECT partner_id, source, source_id, reason, NULL::VARCHAR AS detail
    FROM booking_events WHERE reason IS NOT NULL
    UNION ALL
    SELECT partner_id, 'lifecycle', claim_id, reason, activity
    FROM lifecycle_events WHERE reason IS NOT NULL
    UNION ALL
    SELECT partner_id, 'influence', claim_id, claim_reason, NULL
    FROM influence_claims_checked WHERE claim_reason IS NOT NULL
    UNION ALL
    SELECT partner_id, 'influence', claim_id, reason, 'booking ' || booking_id
    FROM influence_candidates
    WHERE reason IS NOT NULL AND reason NOT IN ('not_approved', 'retroactive_claim')
    UNION ALL
    SELECT c.partner_id, 'influence', c.claim_id, 'earlier_claim_awarded', 'booking ' || c.booking_id
    FROM influence_candidates c
    JOIN influence_awards a USING (partner_id, booking_id)
    WHERE c.reason IS NULL AND a.contested AND c.claim_id <> a.claim_id
)
