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
{%- if builds_touched_keys_only() %}

-- A follow-up no longer delivered comes out as a row of nulls: deleted, not inserted.
{{ rows_for_keys(touched_keys(source('phs', 'chronic_followups'), 'chronic_followups',
                              ['followup_id']),
                 'followups', ['followup_id']) }}
{%- else %}

select * from followups
{%- endif %}
