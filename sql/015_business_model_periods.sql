-- RULES.md sections 2, 4 and 9: a partner is registered in a business model
-- on day D when one of its registrations has registered_on <= D and no
-- ended_on <= D. The multipliers that name business models, influence
-- (solution_services) and migration protection all ask it.
--
-- business_model_periods holds each partner's days in each business model
-- as periods that neither overlap nor touch: registered on D exactly when
--   from_on <= D AND until_on > D
-- for one of its rows, and for at most one, so a lookup is one join on
-- partner_id and business_model rather than a search of every registration.
-- Registrations are merged in
-- from_on order: one that starts after every earlier one has ended starts a
-- new period; an empty one (ended_on <= registered_on) covers no day.
WITH registrations AS (
    SELECT partner_id, business_model, registered_on AS from_on,
           coalesce(ended_on, DATE '9999-12-31') AS until_on
    FROM raw_business_models
    WHERE coalesce(ended_on, DATE '9999-12-31') > registered_on
),
reach AS (
    SELECT *, max(until_on) OVER (PARTITION BY partner_id, business_model ORDER BY from_on, until_on
                                  ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reached
    FROM registrations
),
periods AS (
    SELECT *, count(*) FILTER (WHERE reached IS NULL OR from_on > reached)
                  OVER (PARTITION BY partner_id, business_model ORDER BY from_on, until_on
                        ROWS UNBOUNDED PRECEDING) AS period
    FROM reach
)
SELECT partner_id, business_model, min(from_on) AS from_on, max(until_on) AS until_on
FROM periods
GROUP BY partner_id, business_model, period
