{{ config(materialized='view', schema='explain') }}
-- The survey and follow-up rows behind metric_literacy.sql (scopes: district, township; years)
-- and metric_chronic.sql (scope: district): the same facts, cells, thresholds and "latest
-- follow-up in the period" rule. A respondent adds its weight (cell population ÷ cell
-- respondents) to the weighted level, so the rows sum to the published numerator and
-- denominator.
{{ explain_contributions__public_health() }}
