
SELECT partner_id, capability_id, arg_max(kind, achieved_on) AS kind
FROM raw_capabilities, run_params a
WHERE achieved_on <= a.as_of AND (expires_on IS NULL OR expires_on > a.as_of)
GROUP BY ALL
