-- RULES.md section 5: the capabilities valid on each of a partner's
-- capability days (105): achieved_on <= D and no expires_on <= D, each
-- capability_id once, its kind from its latest achievement (as
-- 091_valid_capabilities on as_of).
SELECT s.partner_id, s.d, s.program_year, v.capability_id, arg_max(v.kind, v.achieved_on) AS kind
FROM capability_days s
JOIN raw_capabilities v
  ON v.partner_id = s.partner_id AND v.achieved_on <= s.d
 AND (v.expires_on IS NULL OR v.expires_on > s.d)
GROUP BY ALL
