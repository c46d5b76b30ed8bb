{# The drill-through's period window. The contribution macros (explain_contributions__*) take
   `window_start`: none for the `explain` views (every period type and period, what `make
   explain` reads), or a SQL date expression, the first day of a month, for
   fct_metric_drillthrough: then they compute month periods from that month on only, and filter
   each source at its own date column and each lineage window at the keys it will be joined to,
   so the served months cost what they hold rather than every period of every source.
   A row's month start is >= a month's first day exactly when its date is, so filtering the
   date is the same as filtering the period. #}

{% macro explain_period_types(window_start) -%}
    {%- if window_start is none -%}
    {{ metric_period_types() }}
    {%- else -%}
    select 'month' as period_type
    {%- endif -%}
{%- endmacro %}

{# `and <date> >= <window start>`, or nothing without a window: appended to a where clause. #}
{% macro explain_dated_since(date_expr, window_start) -%}
    {%- if window_start is not none %} and {{ date_expr }} >= {{ window_start }}{% endif -%}
{%- endmacro %}

{# The raw row staging kept for each key (the same version rule as staging), with its file and
   line. `wanted_keys`, a select of the key columns under the raw names, keeps only those keys
   before the version window: the window partitions by the key, so each kept key's partition,
   and therefore its chosen version, is unchanged. #}
{% macro explain_lineage_rows(relation, keys, version_column=none, wanted_keys=none) -%}
    select
        {{ keys | join(', ') }},
        _source_file as source_file,
        _source_line as source_line,
        _delivery_date as delivery_date
    from {{ relation }} as versions
    {%- if wanted_keys is not none %}
    where exists (
        select 1
        from ({{ wanted_keys }}) as wanted
        where {% for key in keys %}wanted.{{ key }} = versions.{{ key }}{% if not loop.last %}
            and {% endif %}{% endfor %}
    )
    {%- endif %}
    {{ latest_version_filter(keys, version_column) }}
{%- endmacro %}

{# dated_in_periods (metric_rows.sql) within the window. #}
{% macro explain_dated_in_periods(cte, date_column, window_start) -%}
    {%- if window_start is none -%}
    {{ dated_in_periods(cte, date_column) }}
    {%- else -%}
    select
        period_types.period_type,
        {{ period_start('period_types.period_type', cte ~ '.' ~ date_column) }} as period_start,
        {{ cte }}.*
    from {{ cte }}
    cross join ({{ explain_period_types(window_start) }}) as period_types
    where {{ cte }}.{{ date_column }} >= {{ window_start }}
    {%- endif -%}
{%- endmacro %}

{# The drill-through's window (explain_drillthrough_rows, fct_metric_drillthrough): the month
   periods of the latest `drillthrough_months` months of metric_values (var: default 1; 0 serves
   none). CONSORTIUM_DRILLTHROUGH_MONTHS lets an operator shrink or skip it at city scale, where
   one month is tens of millions of rows (docs/performance.md). The first month served, as a
   SQL date expression. #}
{% macro drillthrough_window_start() -%}
    {%- set months = var('drillthrough_months', env_var('CONSORTIUM_DRILLTHROUGH_MONTHS', '1')) %}
    (select cast({{ dbt.dateadd('month', 1 - (months | int), 'max(period_start)') }} as date)
     from {{ ref('metric_values') }}
     where period_type = 'month')
{%- endmacro %}

{# True when the months fct_metric_drillthrough serves are not the window's months: a new month
   was delivered, or `drillthrough_months` changed. Every row then changes, and the table is
   written whole rather than compared row by row. Only where `execute` is true: it queries the
   table. #}
{% macro drillthrough_window_moved() -%}
    {%- set months_on_one_side %}
        with window_months as (
            select distinct period_start from {{ ref('metric_values') }}
            where period_type = 'month' and period_start >= {{ drillthrough_window_start() }}
        ),
        served_months as (
            select distinct period_start from {{ this }}
        )
        select count(*) from (
            (select period_start from window_months
             except select period_start from served_months)
            union all
            (select period_start from served_months
             except select period_start from window_months)
        ) as differing
    {%- endset %}
    {{ return(run_query(months_on_one_side).columns[0].values()[0] > 0) }}
{%- endmacro %}

{# True when fct_metric_drillthrough is written whole rather than by difference: its window
   moved, or a quarter of its stored rows are rows earlier builds deleted (at city scale a day
   re-sent with its lines moved leaves about 3 %). The model's select (compiled first) and its
   pre-hook each ask; only the model writes the table, and metric_values is built before it,
   so both get the same answer. -#}
{% macro drillthrough_written_whole() -%}
    {{ return(drillthrough_window_moved() or deleted_row_share(this) > 0.25) }}
{%- endmacro %}
