-- The settlements an incremental build rebuilds (macros/incremental/replace_keys.sql), read
-- before int_settlements_netted is replaced: every settlement of every netting group that a
-- load after `loads_since` touched, as it was (`previous`, with the encounter it counted in)
-- and as it is now (`current`). A netting group is an original and its reversals: a reversal
-- delivered today can cancel a settlement delivered months ago, and a re-sent day that drops
-- a reversal revives its original. A settlement's group, and the encounter it counted in, are
-- taken from both states, so a settlement that moved or vanished is rebuilt too.
-- The previous int_settlements_netted is read by name, not ref() (that would be a cycle):
-- int_settlements_netted refs this model, so this one always runs before it is replaced.
-- Empty on every other build: the chain then rebuilds every row.
-- depends_on: {{ ref('stg_insurance__settlements') }}
{%- set previous = adapter.get_relation(this.database, this.schema, 'int_settlements_netted')
    if execute else none %}

{%- if previous is not none and loads_since() is not none %}
-- Every raw version delivered on a reloaded day (the newest or not), and what the previous
-- build held from those days (a row the re-send dropped is only there).
with touched as (
    {{ touched_keys(source('insurance', 'settlements'), 'settlements', ['setl_id'],
                    held=previous) }}
),

current_settlements as (
    select
        setl_id,
        {{ netting_group('refd_setl_flag', 'init_setl_id', 'setl_id') }} as netting_group,
        mdtrt_id
    from {{ ref('stg_insurance__settlements') }}
),

groups as (
    select netting_group from current_settlements
    where setl_id in (select setl_id from touched)
    union
    select netting_group from {{ previous }}
    where setl_id in (select setl_id from touched)
)

select 'previous' as state, setl_id, netting_group, mdtrt_id
from {{ previous }}
where netting_group in (select netting_group from groups)
union all
select 'current', setl_id, netting_group, mdtrt_id
from current_settlements
where netting_group in (select netting_group from groups)
{%- else %}
select
    cast(null as {{ dbt.type_string() }}) as state,
    cast(null as {{ dbt.type_string() }}) as setl_id,
    cast(null as {{ dbt.type_string() }}) as netting_group,
    cast(null as {{ dbt.type_string() }}) as mdtrt_id
from (select 1 as nothing) as no_rows
where 1 = 0
{%- endif %}
