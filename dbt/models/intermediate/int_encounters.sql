-- Encounters (人次): a distinct mdtrt_id with at least one valid settlement. Class from
-- med_type (inpatient wins over outpatient); date = latest enddate of its valid settlements.
-- Where and for whom: the latest valid settlement's institution and person.
-- Incremental (macros/incremental/replace_keys.sql): after a complete build, only the
-- encounters that an affected settlement counted in before or counts in now.
{{ config(materialized=incremental_materialization(), incremental_strategy='replace_keys',
          unique_key='mdtrt_id') }}
-- depends_on: {{ ref('int_settlements_affected') }}
{%- if builds_touched_keys_only() %}
with affected_encounters as (
    {{ affected_encounters() }}
),
{%- else %}
with
{%- endif %}

-- Only the columns read below: DuckDB materialises this CTE (three readers).
valid_settlements as (
    select
        mdtrt_id,
        setl_id,
        setl_time,
        begndate,
        enddate,
        med_class,
        person_key,
        insu_admdvs,
        is_district_resident,
        inst_code,
        is_in_district_inst,
        is_primary_inst,
        _loaded_at
    from {{ ref('int_settlements_netted') }}
    where is_valid
    {%- if builds_touched_keys_only() %}
        and mdtrt_id in (select mdtrt_id from affected_encounters)
    {%- endif %}
),

per_encounter as (
    select
        mdtrt_id,
        max(enddate) as encounter_date,
        min(begndate) as admission_date,
        max(case when med_class = 'inpatient' then 1 else 0 end) as has_inpatient,
        max(case when med_class = 'outpatient' then 1 else 0 end) as has_outpatient,
        count(*) as valid_settlements,
        max(_loaded_at) as _loaded_at
    from valid_settlements
    group by mdtrt_id
),

-- The latest valid settlement of each encounter. Nearly every encounter has one valid
-- settlement: those are taken as they are, and only the others are sorted (on the city year
-- the window over every settlement was most of this model).
{%- set where_and_whom_columns %}
        per_encounter.*,
        valid_settlements.person_key,
        valid_settlements.insu_admdvs,
        valid_settlements.is_district_resident,
        valid_settlements.inst_code,
        valid_settlements.is_in_district_inst,
        valid_settlements.is_primary_inst
{%- endset %}
where_and_whom as (
    select {{ where_and_whom_columns }}
    from per_encounter
    inner join valid_settlements
        on per_encounter.mdtrt_id = valid_settlements.mdtrt_id
    where per_encounter.valid_settlements = 1
    union all
    select {{ where_and_whom_columns }}
    from per_encounter
    inner join valid_settlements
        on per_encounter.mdtrt_id = valid_settlements.mdtrt_id
    where per_encounter.valid_settlements > 1
    qualify row_number() over (
        partition by per_encounter.mdtrt_id
        order by valid_settlements.enddate desc, valid_settlements.setl_time desc,
            valid_settlements.setl_id desc
    ) = 1
),

encounters as (
    select
        mdtrt_id,
        case
            when has_inpatient = 1 then 'inpatient'
            when has_outpatient = 1 then 'outpatient'
            else 'other'
        end as encounter_class,
        has_inpatient = 1 or has_outpatient = 1 as is_encounter,
        encounter_date,
        admission_date,
        valid_settlements,
        person_key,
        insu_admdvs,
        is_district_resident,
        inst_code,
        is_in_district_inst,
        is_primary_inst,
        _loaded_at
    from where_and_whom
)
{%- if builds_touched_keys_only() %}

-- Every affected encounter; one left with no valid settlement comes out as a row of nulls:
-- deleted, not inserted.
{{ rows_for_keys('select mdtrt_id from affected_encounters', 'encounters', ['mdtrt_id']) }}
{%- else %}

select * from encounters
{%- endif %}
