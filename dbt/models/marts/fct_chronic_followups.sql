-- Chronic-disease follow-ups (慢病随访), the base of the chronic metrics.
-- Incremental (macros/incremental/replace_keys.sql): after a complete build, only the
-- follow-ups that later loads touched, a re-sent day's dropped ones included.
{{ config(materialized=incremental_materialization(), incremental_strategy='replace_keys',
          unique_key='followup_id') }}
with followups as (
    select
        followup_id,
        person_key,
        disease,
        inst_code,
        followup_date,
        sbp,
        dbp,
        fasting_glucose,
        controlled,
        standard,
        _delivery_date,
        _loaded_at
    from {{ ref('stg_phs__chronic_followups') }}
)

{{ extract_fact_rows('followups', source('phs', 'chronic_followups'), ['followup_id']) }}
