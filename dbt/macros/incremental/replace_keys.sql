{#- Incremental models (docs/conventions.md, "Incremental builds"): the settlement chain and
    the largest facts.

    A build that the Dagster dbt asset runs after a complete one passes `loads_since`, the
    newest load it had seen; these models then rebuild only the keys that later loads touched.
    Every other build (no `loads_since`: the first, a full refresh, a subset re-run from the UI,
    `dbt build` by hand) rebuilds every row, so a stale key can never survive.

    The asset passes it in the environment (CONSORTIUM_DBT_LOADS_SINCE), set for its dbt
    command only; `--vars '{loads_since: …}'` works too. A var changes dbt's config, and dbt
    then parses the whole project again (3–4 s a build); this variable is read only when an
    incremental model compiles, never while parsing, so the partial parse stays valid. Call
    this macro only where `execute` is true (after is_incremental(), or after a check that
    is false while parsing), or dbt would record the variable as a parse input. -#}

{% macro loads_since() -%}
    {{ return(var('loads_since', env_var('CONSORTIUM_DBT_LOADS_SINCE', '')) or none) }}
{%- endmacro %}

{#- True when this model rebuilds only the keys that loads after `loads_since` touched. -#}
{% macro builds_touched_keys_only() -%}
    {{ return(is_incremental() and loads_since() is not none) }}
{%- endmacro %}

{#- Materialisation of these models: incremental on DuckDB; on Spark (always built whole from
    the exported Parquet) a plain table. -#}
{% macro incremental_materialization() -%}
    {{ return('incremental' if target.type == 'duckdb' else 'table') }}
{%- endmacro %}

{#- Strategy `replace_keys`. The model's incremental select returns every key it rebuilds:
    the rows as they are now, and a row with a null `_loaded_at` for a key that has no row any
    more (a settlement a re-sent day dropped, an encounter left with no valid settlement).
    Every target row of those keys is deleted, then the live rows inserted. `delete+insert`
    alone never deletes a key that is no longer delivered (docs/metrics.md, "Portability").
    Without `loads_since` the select is the whole model: every row is replaced. -#}
{% macro get_incremental_replace_keys_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set temp = arg_dict['temp_relation'] -%}
    {%- set keys = arg_dict['unique_key'] -%}
    {%- set keys = [keys] if keys is string else keys -%}
    {%- set columns = arg_dict['dest_columns'] | map(attribute='quoted') | join(', ') -%}
    {%- if loads_since() is none %}
    delete from {{ target }};
    {%- else %}
    delete from {{ target }}
    where ({{ keys | join(', ') }}) in (select {{ keys | join(', ') }} from {{ temp }});
    {%- endif %}
    insert into {{ target }} ({{ columns }})
    select {{ columns }} from {{ temp }}
    where _loaded_at is not null;
{%- endmacro %}

{#- A settlement's netting group: an original is its own, a reversal the original it names
    (int_settlements_netted ranks reversals within it). -#}
{% macro netting_group(refd_setl_flag, init_setl_id, setl_id) -%}
    case when {{ refd_setl_flag }} = 1 then coalesce({{ init_setl_id }}, {{ setl_id }})
        else {{ setl_id }} end
{%- endmacro %}

{#- The encounters an incremental build rebuilds: those an affected settlement counted in
    before (int_settlements_affected) or counts in now (int_settlements_netted, rebuilt). -#}
{% macro affected_encounters() -%}
    select mdtrt_id
    from {{ ref('int_settlements_affected') }}
    where state = 'previous' and mdtrt_id is not null
    union
    select mdtrt_id
    from {{ ref('int_settlements_netted') }}
    where setl_id in (select setl_id from {{ ref('int_settlements_affected') }})
        and mdtrt_id is not null
{%- endmacro %}

{#- The keys of `raw_table` (ingestion's table name, a source) that loads after `loads_since`
    touched: every key delivered on a day those loads (re)loaded, and every key the previous
    build held from such a day (`held`: this model's rows by default; a re-sent day can drop a
    row, or the newer version of a key). -#}
{% macro touched_keys(raw_relation, raw_table, key_columns, held=none) -%}
    {%- set keys = key_columns | join(', ') %}
    {%- set reloaded_days %}
        select delivery_date
        from {{ source('load_accounting', 'load_log') }}
        where table_name = '{{ raw_table }}'
            and loaded_at > cast('{{ loads_since() }}' as timestamp)
    {%- endset %}
    select {{ keys }}
    from {{ raw_relation }}
    where _delivery_date in ({{ reloaded_days }})
    union
    select {{ keys }}
    from {{ held if held is not none else this }}
    where _delivery_date in ({{ reloaded_days }})
{%- endmacro %}

{#- Every key of `keys_query` with its row in `rows` (a CTE or relation holding the model's
    rows for those keys), or a row of nulls when it has none: what replace_keys deletes and
    inserts. -#}
{% macro rows_for_keys(keys_query, rows, key_columns) -%}
    select
        {%- for key in key_columns %}
        keys_to_replace.{{ key }},
        {%- endfor %}
        rows_now.* exclude ({{ key_columns | join(', ') }})
    from ({{ keys_query }}) as keys_to_replace
    left join {{ rows }} as rows_now
        on {% for key in key_columns %}keys_to_replace.{{ key }} = rows_now.{{ key }}
        {%- if not loop.last %} and {% endif %}{% endfor %}
{%- endmacro %}

{#- The select of a fact that copies one extract's latest versions (`rows`, a CTE of the
    model's columns read from staging): with `loads_since`, the touched keys of that extract
    with their rows now, or a row of nulls for a key no longer delivered (deleted, not
    inserted); else every row. `raw_relation` is the extract's source, whose table name is
    also its name in the load log. -#}
{% macro extract_fact_rows(rows, raw_relation, key_columns) -%}
    {%- if builds_touched_keys_only() %}
{{ rows_for_keys(touched_keys(raw_relation, raw_relation.identifier, key_columns), rows,
                 key_columns) }}
    {%- else %}
select * from {{ rows }}
    {%- endif %}
{%- endmacro %}
