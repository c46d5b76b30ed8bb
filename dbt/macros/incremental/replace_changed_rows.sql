{#- Strategy `replace_changed_rows`, for a model rebuilt whole whose table is costly to write
    and changes little between builds (the drill-through: 20 M city rows, most of them the same
    after one more day). Incremental on any build over an existing table, with or without
    `loads_since`: the model computes every row, as a full build would, and compares them with
    the table it replaces, so nothing needs to know what a load touched.

    The model's incremental select (`changed_rows`, below) returns only the difference: a row
    it produces that the table does not hold, with its fingerprint in `row_hash`, and a
    fingerprint in `served_hash` (every other column null) for each row the table holds that it
    no longer produces. The strategy deletes the latter and inserts the former.

    A fingerprint is DuckDB's 64-bit `hash` of every column of the table, in the table's column
    order, computed on both sides in the same build, so it never outlives a DuckDB version. Two
    different rows with the same fingerprint would be taken for the same row: at city scale
    (a few hundred thousand changed rows against twenty million) about one build in a million.
    The model's grain (one row per metric × period × scope × role × source row) makes its rows
    distinct, which the comparison relies on. -#}
{% macro get_incremental_replace_changed_rows_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set temp = arg_dict['temp_relation'] -%}
    {%- set columns = arg_dict['dest_columns'] | map(attribute='quoted') | join(', ') -%}
    delete from {{ target }}
    where hash({{ columns }}) in (
        select served_hash from {{ temp }} where served_hash is not null);
    insert into {{ target }} ({{ columns }})
    select {{ columns }} from {{ temp }}
    where row_hash is not null;
{%- endmacro %}

{#- The incremental select of such a model: the rows of `rows_now` (a relation with the
    model's columns) that `this` does not hold, and the fingerprints of the rows `this` holds
    that `rows_now` does not. One pass over `rows_now`: a full outer join on the fingerprint,
    which DuckDB builds on the served rows' fingerprints (8 bytes a row; the new rows stream
    through). -#}
{% macro changed_rows(rows_now) -%}
    {%- set columns = served_columns() %}
    select rows_now.*, served.served_hash
    from (select *, hash({{ columns }}) as row_hash from {{ rows_now }}) as rows_now
    full outer join (select hash({{ columns }}) as served_hash from {{ this }}) as served
        on rows_now.row_hash = served.served_hash
    where rows_now.row_hash is null or served.served_hash is null
{%- endmacro %}

{#- A pre-hook of such a model: when `condition` holds, the table is written whole from
    `relation` (a view of the model's rows) before the model's select runs, which then has
    nothing to compare. -#}
{% macro rewrite_whole_when(condition, relation) -%}
    {%- if condition %}
    {%- set columns = served_columns() %}
    delete from {{ this }};
    insert into {{ this }} ({{ columns }})
    select {{ columns }} from {{ relation }};
    {%- endif %}
{%- endmacro %}

{#- The share of `relation`'s stored rows that are deleted: a table written by difference keeps
    the rows it deletes in their row groups (DuckDB reclaims a row group only once it can merge
    it), so they pile up build after build. Stored rows are those of the first column's
    segments. Only where `execute` is true. -#}
{% macro deleted_row_share(relation) -%}
    {%- set name = [relation.database, relation.schema, relation.identifier] | join('.') %}
    {%- set share %}
        select coalesce(1 - (select count(*) from {{ relation }}) / sum(count), 0)
        from pragma_storage_info('{{ name }}')
        where column_id = 0 and column_path = '[0]'
    {%- endset %}
    {{ return(run_query(share).columns[0].values()[0]) }}
{%- endmacro %}

{#- The model's table's columns, quoted, in its order: what both sides are fingerprinted on and
    what a rewrite inserts. -#}
{% macro served_columns() -%}
    {{ return(adapter.get_columns_in_relation(this) | map(attribute='quoted') | join(', ')) }}
{%- endmacro %}
