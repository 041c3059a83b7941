-- RULES.md section 14: the partners and solution areas where a tier can be
-- met at all: some day's capabilities meet one of the area's tiers (a tier
-- that asks no capability is met by every partner). Elsewhere no tier is
-- ever earned, whatever the credits, so the models below evaluate only
-- these pairs, and 180_designations gives the others no tier.
SELECT DISTINCT partner_id, solution_area
FROM area_capability_states
WHERE tier_ranks <> 0
