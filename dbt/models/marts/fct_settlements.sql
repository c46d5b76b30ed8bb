-- Every settlement with its netting status and the date its money counts on.
-- Incremental (macros/incremental/replace_keys.sql): after a complete build, the affected
-- settlements and every settlement of an affected encounter (its date may have moved).
{{ config(materialized=incremental_materialization(), incremental_strategy='replace_keys',
          unique_key='setl_id') }}
-- depends_on: {{ ref('int_settlements_affected') }}, {{ ref('int_settlements_netted') }}
-- depends_on: {{ ref('stg_insurance__settlements') }}, {{ ref('int_encounters') }}
{%- if builds_touched_keys_only() %}
with affected_settlements as (
    select setl_id from {{ ref('int_settlements_affected') }}
    union
    select setl_id
    from {{ ref('int_settlements_netted') }}
    where mdtrt_id in ({{ affected_encounters() }})
),

-- int_settlements_dated for these settlements only (its inputs cut to them before the join).
dated as (
    {{ settlements_dated(setl_ids='select setl_id from affected_settlements') }}
)

-- A settlement no longer delivered comes out as a row of nulls: deleted, not inserted.
{{ rows_for_keys('select setl_id from affected_settlements', 'dated', ['setl_id']) }}
{%- else %}
select * from {{ ref('int_settlements_dated') }}
{%- endif %}
