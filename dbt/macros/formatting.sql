{# Display formats for the committee (dashboard cards and tables). printf exists on DuckDB and
   Spark with the same C-style patterns; a thousands separator does not, hence the dispatch. #}

{% macro format_thousands(expr, decimals) -%}
    {{ return(adapter.dispatch('format_thousands', 'consortium_dw')(expr, decimals)) }}
{%- endmacro %}

{% macro default__format_thousands(expr, decimals) -%}
    format('{:,.{{ decimals }}f}', {{ expr }})
{%- endmacro %}

{% macro spark__format_thousands(expr, decimals) -%}
    format_number({{ expr }}, {{ decimals }})
{%- endmacro %}

{# 'YYYY-MM' and 'YYYY' of a date: the ISO text of a date is the same on every engine. #}
{% macro month_label(date_expr) -%}
    substr(cast({{ date_expr }} as string), 1, 7)
{%- endmacro %}

{% macro year_label(date_expr) -%}
    substr(cast({{ date_expr }} as string), 1, 4)
{%- endmacro %}
