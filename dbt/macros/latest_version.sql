{# Keep the latest version of each key: later delivery first, then the table's version column,
   then the later line of the file (docs/conventions.md, "Versions"). #}
{% macro latest_version_filter(key_columns, version_column=none) -%}
    qualify row_number() over (
        partition by {{ key_columns | join(', ') }}
        order by _delivery_date desc{% if version_column %}, {{ version_column }} desc{% endif %}, _loaded_at desc, _source_line desc
    ) = 1
{%- endmacro %}
