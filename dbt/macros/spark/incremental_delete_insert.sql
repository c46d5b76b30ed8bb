{# `delete+insert` on Spark without Delta/Iceberg (their jars are not reachable here), so the
   four incremental facts keep the strategy DuckDB uses. Parquet tables cannot delete rows, and
   Spark refuses to overwrite a table it is reading, so the new version is written beside the
   table and swapped in: rows of the target whose key is not in the new batch, plus the batch.
   These two macros override dbt-spark's (not dispatched) macros of the same name; every other
   strategy goes to dbt-spark's own code. The swap is not atomic: a failure between the drop
   and the rename leaves only `<table>__dbt_merged`, and the next run then rebuilds the table
   from scratch (the existing relation is gone, so dbt creates it whole). #}

{% macro dbt_spark_validate_get_incremental_strategy(raw_strategy, file_format) %}
    {%- if raw_strategy == 'delete+insert' -%}
        {% do return(raw_strategy) %}
    {%- endif -%}
    {% do return(dbt.dbt_spark_validate_get_incremental_strategy(raw_strategy, file_format)) %}
{% endmacro %}

{% macro dbt_spark_get_incremental_sql(strategy, source, target, existing, unique_key, incremental_predicates) %}
    {%- if strategy != 'delete+insert' -%}
        {{ return(dbt.dbt_spark_get_incremental_sql(strategy, source, target, existing, unique_key, incremental_predicates)) }}
    {%- endif -%}
    {%- if unique_key is none -%}
        {% do exceptions.raise_compiler_error('delete+insert on Spark needs a unique_key') %}
    {%- endif -%}
    {%- set keys = [unique_key] if unique_key is string else unique_key -%}
    {%- set merged = target.incorporate(path={"identifier": target.identifier ~ '__dbt_merged'}) -%}
    {%- set columns = adapter.get_columns_in_relation(target) | map(attribute='name') | join(', ') -%}
    {% do run_query('drop table if exists ' ~ merged) %}
    {%- set conditions = [] -%}
    {%- for key in keys -%}
        {%- do conditions.append('batch.' ~ key ~ ' = kept.' ~ key) -%}
    {%- endfor -%}
    {% do run_query('create table ' ~ merged ~ ' using parquet as select ' ~ columns ~ ' from '
                    ~ target ~ ' as kept where not exists (select 1 from ' ~ source
                    ~ ' as batch where ' ~ conditions | join(' and ') ~ ') union all select '
                    ~ columns ~ ' from ' ~ source) %}
    {% do run_query('drop table ' ~ target) %}
    alter table {{ merged }} rename to {{ target }}
{% endmacro %}
