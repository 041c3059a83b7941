-- RULES.md section 8: one audit per partner and year; in good standing the
-- level after is the earned level and the outcome compares it with the
-- level before; in remediation the level after is community or lower, and
-- never above the level before.
WITH ranked AS (
    SELECT a.*, p.level_rank AS previous_rank, e.level_rank AS earned_rank, n.level_rank AS after_rank,
           count(*) OVER (PARTITION BY a.partner_id, a.program_year) AS audits
    FROM audits a
    LEFT JOIN level_names p ON p.level_id = a.previous_level
    LEFT JOIN level_names e ON e.level_id = a.earned_level
    LEFT JOIN level_names n ON n.level_id = a.level_after
)
SELECT r.partner_id, r.program_year, r.outcome, r.previous_level, r.earned_level, r.level_after
FROM ranked r, level_roles l
WHERE r.audits > 1
   OR r.previous_rank IS NULL OR r.earned_rank IS NULL OR r.after_rank IS NULL
   OR CASE r.outcome
          WHEN 'promoted' THEN r.after_rank <> r.earned_rank OR r.after_rank <= r.previous_rank
          WHEN 'retained' THEN r.after_rank <> r.earned_rank OR r.after_rank <> r.previous_rank
          WHEN 'demoted' THEN r.after_rank <> r.earned_rank OR r.after_rank >= r.previous_rank
          WHEN 'remediation' THEN r.after_rank > l.community_rank OR r.after_rank > r.previous_rank
                                  OR r.remediation_until IS NULL
          ELSE true
      END
