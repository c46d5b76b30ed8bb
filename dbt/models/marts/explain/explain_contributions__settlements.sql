{{ config(materialized='view', schema='explain') }}
-- The settlement rows behind each insurance metric of metric_settlements.sql (scope: district):
-- the same facts (fct_settlements, fct_encounters, fct_referrals), the same flags and the same
-- period rule. Encounter counts list every valid settlement of each counted encounter
-- (count_key = mdtrt_id); person counts the same rows keyed by person; money sums every
-- settlement that counts in money (a cancelled original and its reversal both appear, netting).
{{ explain_contributions__settlements() }}
