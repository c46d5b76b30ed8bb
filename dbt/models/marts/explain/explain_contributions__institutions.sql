{{ config(materialized='view', schema='explain') }}
-- The HIS, PACS, LIS and EMR rows behind the metrics counted at an institution
-- (metric_his.sql, metric_diagnostics.sql, metric_discharges.sql; scopes: district, group,
-- institution): the same facts, the same institution flags, the same dating. Each row adds its
-- numerator or denominator term (1, a flag, days, slots or beds); the metric is their sum. For
-- the plain counts (referrals by direction) the rows are the `numerator` of the count.
{{ explain_contributions__institutions() }}
