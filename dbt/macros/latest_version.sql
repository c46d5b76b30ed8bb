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
   big table was most of each staging read.
   The keys with more than one row are found by a 64-bit hash of the key, not by the key's
   columns: grouping one integer instead of strings took 10-35 % off each staging read of the
   big city tables (docs/performance.md). It stays exact: a key's rows share one hash, so a hash
   seen once is a key delivered once, kept as it is; the rows of a hash seen more than once (a
   key with versions, or keys whose hashes collide) go through the window by their real key. A
   collision only sends a few more rows through the window. Null keys hash alike and form one
   partition, as in the window. #}
{% macro duckdb__latest_versions(relation, key_columns, version_column=none) -%}
    with repeated as (
        select {{ _key_hash(key_columns) }} as key_hash
        from {{ relation }}
        group by key_hash
        having count(*) > 1
    )

    select versions.*
    from {{ relation }} as versions
    anti join repeated
        on repeated.key_hash = {{ _key_hash(key_columns, 'versions') }}
    union all
    select versions.*
    from {{ relation }} as versions
    semi join repeated
        on repeated.key_hash = {{ _key_hash(key_columns, 'versions') }}
    {{ latest_version_filter(key_columns, version_column) }}
{%- endmacro %}

{% macro _key_hash(key_columns, alias=none) -%}
    hash({% for key in key_columns %}{% if alias %}{{ alias }}.{% endif %}{{ key }}{% if not loop.last %}, {% endif %}{% endfor %})
{%- endmacro %}
