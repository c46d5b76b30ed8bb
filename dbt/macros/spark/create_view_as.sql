{# Spark keeps a view's SQL text in the Hive metastore, and Derby's column holds 32,700
   characters: the longest explain view (explain_contributions__family_doctor, ~33,000 with
   its comments) did not fit. Above that size the text is compacted first: whole-line `--`
   comments, blank lines and indentation go (no string literal in the models spans lines, so
   no value changes). Otherwise this is dbt-spark's create_view_as; the root project's
   spark__ version wins the dispatch. #}
{% macro spark__create_view_as(relation, sql) -%}
  create or replace view {{ relation }}
  {% if config.persist_column_docs() -%}
    {% set model_columns = model.columns %}
    {% set query_columns = get_columns_in_query(sql) %}
    (
    {{ get_persist_docs_column_list(model_columns, query_columns) }}
    )
  {% endif %}
  {{ comment_clause() }}
  {%- set contract_config = config.get('contract') -%}
  {%- if contract_config.enforced -%}
    {{ get_assert_columns_equivalent(sql) }}
  {%- endif %}
  as
    {{ spark_compact_view_sql(sql) }}
{% endmacro %}

{% macro spark_compact_view_sql(sql, limit=32000) -%}
    {%- if sql | length <= limit -%}
        {{ return(sql) }}
    {%- endif -%}
    {%- set lines = [] -%}
    {%- for line in sql.split('\n') -%}
        {%- set stripped = line.strip() -%}
        {%- if stripped and not stripped.startswith('--') -%}
            {%- do lines.append(stripped) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(lines | join('\n')) }}
{%- endmacro %}
