{# On Spark the raw layer is not in the warehouse: consortium_dw.spark_export writes every
   source table to $SPARK_RAW_PARQUET/<schema>/<table>/ as Parquet, and this on-run-start hook
   (re)creates each source as an external table over it. Dropping an external table leaves its
   files alone; recreating it picks up a re-export whose columns changed. On DuckDB the sources
   are the ingestion tables themselves, so the hook renders to nothing and dbt skips it. #}
{% macro register_raw_tables() -%}
    {{ return(adapter.dispatch('register_raw_tables', 'consortium_dw')()) }}
{%- endmacro %}

{% macro default__register_raw_tables() -%}{%- endmacro %}

{% macro spark__register_raw_tables() -%}
    {%- if execute -%}
        {%- set root = env_var('SPARK_RAW_PARQUET') -%}
        {%- set created_schemas = [] -%}
        {%- for source in graph.sources.values() | sort(attribute='unique_id') -%}
            {%- if source.schema not in created_schemas -%}
                {%- do run_query('create schema if not exists ' ~ source.schema) -%}
                {%- do created_schemas.append(source.schema) -%}
            {%- endif -%}
            {%- set relation = source.schema ~ '.' ~ source.identifier -%}
            {%- do run_query('drop table if exists ' ~ relation) -%}
            {%- do run_query('create table ' ~ relation ~ " using parquet location '"
                             ~ root ~ '/' ~ source.schema ~ '/' ~ source.identifier ~ "'") -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
