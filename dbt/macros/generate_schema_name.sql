{# Plain schema names (staging, intermediate, marts): no target prefix, so every consumer
   reads the same names whatever the target. #}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
