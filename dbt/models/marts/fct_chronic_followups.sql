-- Incremental by load: rows (re)loaded since the last build replace their key. A full
-- refresh gives the same table (tests/dbt checks it).
{{
    config(
        materialized='incremental',
        unique_key=['followup_id'],
        incremental_strategy='delete+insert',
        on_schema_change='fail'
    )
}}

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
    _loaded_at
from {{ ref('stg_phs__chronic_followups') }}
{% if is_incremental() %}
where _loaded_at >= (select max(_loaded_at) from {{ this }})
{% endif %}
