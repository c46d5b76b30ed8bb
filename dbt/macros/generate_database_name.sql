{# The schema marts lives in its own DuckDB file, attached as marts_db (profiles.yml), so the
   publish can copy that file whole (consortium_dw/marts_file.py). Every other node stays in
   the target's database; Spark has no catalogs of that kind and keeps its default. #}
{% macro generate_database_name(custom_database_name=none, node=none) -%}
    {%- if target.type == 'duckdb' and node is not none
          and (node.config.schema or '') | trim == 'marts' -%}
        marts_db
    {%- elif custom_database_name is none -%}
        {{ target.database }}
    {%- else -%}
        {{ custom_database_name | trim }}
    {%- endif -%}
{%- endmacro %}
