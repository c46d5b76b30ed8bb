{#- What DuckDB and Spark spell differently: an aggregate and the struct it compares by. -#}

{#- In a group by: `value` from the row with the greatest `ordering` (an arbitrary one of
    rows tied on it; rows whose ordering is null are skipped). One pass over the group instead
    of a window that sorts it: `qualify row_number() over (... order by ordering desc) = 1`
    keeps the same row. -#}
{% macro value_at_max(value, ordering) -%}
    {{ return(adapter.dispatch('value_at_max', 'consortium_dw')(value, ordering)) }}
{%- endmacro %}

{% macro default__value_at_max(value, ordering) -%}
    max_by({{ value }}, {{ ordering }})
{%- endmacro %}

{% macro duckdb__value_at_max(value, ordering) -%}
    arg_max({{ value }}, {{ ordering }})
{%- endmacro %}

{#- A struct of named fields, compared field by field in order: `fields` is a list of
    (name, expression). -#}
{% macro named_struct(fields) -%}
    {{ return(adapter.dispatch('named_struct', 'consortium_dw')(fields)) }}
{%- endmacro %}

{% macro default__named_struct(fields) -%}
    named_struct({% for name, expr in fields %}'{{ name }}', {{ expr }}{% if not loop.last %}, {% endif %}{% endfor %})
{%- endmacro %}

{% macro duckdb__named_struct(fields) -%}
    struct_pack({% for name, expr in fields %}{{ name }} := {{ expr }}{% if not loop.last %}, {% endif %}{% endfor %})
{%- endmacro %}

{#- A timestamp as microseconds since 1970-01-01 (UTC on Spark's session clock, as on DuckDB's
    naive timestamps): an integer to order by. -#}
{% macro epoch_microseconds(timestamp_expr) -%}
    {{ return(adapter.dispatch('epoch_microseconds', 'consortium_dw')(timestamp_expr)) }}
{%- endmacro %}

{% macro default__epoch_microseconds(timestamp_expr) -%}
    unix_micros({{ timestamp_expr }})
{%- endmacro %}

{% macro duckdb__epoch_microseconds(timestamp_expr) -%}
    epoch_us({{ timestamp_expr }})
{%- endmacro %}
