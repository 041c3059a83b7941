-- RULES.md sections 7 and 8: no level without a reason. On as_of a partner
-- is `terminated` exactly when its partnership has ended; otherwise its level
-- is its baseline, or a level it earned on a day of as_of's program year (and
-- then not below the baseline), or, inside an audit window, the window's level.
WITH facts AS (
    SELECT l.partner_id, l.level, l.baseline_level, x.ended_on <= l.as_of AS ended,
           h.reason IN ('remediation', 'reenrollment') AS in_window,
           lv.level_rank, bl.level_rank AS baseline_rank,
           EXISTS (SELECT 1 FROM earned_levels e
                   WHERE e.partner_id = l.partner_id AND e.program_year = l.program_year
                     AND e.valid_from <= l.as_of AND e.earned_rank = lv.level_rank) AS earned_this_year
    FROM partner_levels l
    LEFT JOIN partner_end x USING (partner_id)
    LEFT JOIN level_history h ON h.partner_id = l.partner_id AND h.valid_to IS NULL
    LEFT JOIN level_names lv ON lv.level_id = l.level
    LEFT JOIN level_names bl ON bl.level_id = l.baseline_level
)
SELECT partner_id, level, baseline_level, 'terminated without an end, or ended but not terminated' AS problem
FROM facts
WHERE (level = 'terminated') IS DISTINCT FROM coalesce(ended, false)
UNION ALL
SELECT partner_id, level, baseline_level, 'neither baseline, nor earned this year, nor a window level'
FROM facts
WHERE level <> 'terminated'
  AND NOT coalesce(in_window, false)
  AND NOT (level = baseline_level OR (earned_this_year AND level_rank >= baseline_rank))
