-- 人次: one row per encounter (outpatient or inpatient class), dated by its latest valid
-- settlement's enddate.
-- Incremental (macros/incremental/replace_keys.sql): after a complete build, the encounters
-- an affected settlement counted in before or counts in now.
{{ config(materialized=incremental_materialization(), incremental_strategy='replace_keys',
          unique_key='mdtrt_id') }}
-- depends_on: {{ ref('int_settlements_affected') }}, {{ ref('int_settlements_netted') }}
with encounters as (
    select
        mdtrt_id,
        encounter_class,
        encounter_date,
        admission_date,
        person_key,
        insu_admdvs,
        is_district_resident,
        inst_code,
        is_in_district_inst,
        is_primary_inst,
        valid_settlements,
        _loaded_at
    from {{ ref('int_encounters') }}
    where is_encounter
)
{%- if builds_touched_keys_only() %}

-- An encounter that is no longer one comes out as a row of nulls: deleted, not inserted.
{{ rows_for_keys(affected_encounters(), 'encounters', ['mdtrt_id']) }}
{%- else %}

select * from encounters
{%- endif %}
