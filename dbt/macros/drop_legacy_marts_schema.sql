{# Warehouses built before the marts moved to their own file (consortium_dw/marts_file.py) still
   hold a schema marts of their own. It would shadow the attached marts_db.marts for every reader
   (the warehouse's own schemas resolve first), serving stale tables: dropped before the build.
   Only dbt writes that schema, and this build rewrites all of it in marts_db. #}
{% macro drop_legacy_marts_schema() -%}
    {%- if target.type == 'duckdb' -%}
        drop schema if exists "{{ target.database }}"."marts" cascade
    {%- endif -%}
{%- endmacro %}
