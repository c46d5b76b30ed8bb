{# Keep the latest version of each key: later delivery first, then the table's version column,
   then the later line of the file (docs/conventions.md, "Versions"). #}
{% macro latest_version_filter(key_columns, version_column=none) -%}
    qualify row_number() over (
        partition by {{ key_columns | join(', ') }}
        order by _delivery_date desc{% if version_column %}, {{ version_column }} desc{% endif %}, _loaded_at desc, _source_line desc
    ) = 1
{%- endmacro %}

{# The rows of `relation` that latest_version_filter keeps, as a whole select. #}
{% macro latest_versions(relation, key_columns, version_column=none) -%}
    {{ return(adapter.dispatch('latest_versions')(relation, key_columns, version_column)) }}
{%- endmacro %}

{% macro default__latest_versions(relation, key_columns, version_column=none) -%}
    select * from {{ relation }}
    {{ latest_version_filter(key_columns, version_column) }}
{%- endmacro %}

{# The same rows, without sorting the keys that were delivered once (nearly all of them): the
   window runs only over the keys with more than one row. A key's partition is all its rows
   either way, so each key keeps the same row. On the city year the window over every row of a
   big table was most of each staging read. Null keys form one partition, as in the window. #}
{% macro duckdb__latest_versions(relation, key_columns, version_column=none) -%}
    with repeated as (
        select {{ key_columns | join(', ') }}
        from {{ relation }}
        group by {{ key_columns | join(', ') }}
        having count(*) > 1
    )

    select versions.*
    from {{ relation }} as versions
    anti join repeated
        on {{ _key_match(key_columns) }}
    union all
    select versions.*
    from {{ relation }} as versions
    semi join repeated
        on {{ _key_match(key_columns) }}
    {{ latest_version_filter(key_columns, version_column) }}
{%- endmacro %}

{% macro _key_match(key_columns) -%}
    {% for key in key_columns %}repeated.{{ key }} is not distinct from versions.{{ key }}{% if not loop.last %} and {% endif %}{% endfor %}
{%- endmacro %}
