-- Why this number, served: the contribution rows of explain.fct_metric_contributions for the
-- month periods of the latest `drillthrough_months` months (var: default 1, 0 serves none),
-- materialised in marts so the publish copies it and the Superset dataset 「指标溯源明细」 can
-- filter metric × month × scope. Every period stays with `make explain` on the warehouse:
-- served whole, each source row would be copied dozens of times (docs/budget.md).
-- Over a table already built, only the rows that changed are written
-- (macros/incremental/replace_changed_rows.sql): writing the rows costs twice computing them.
{{ config(materialized=incremental_materialization(),
          incremental_strategy='replace_changed_rows') }}
{#- CONSORTIUM_DRILLTHROUGH_MONTHS lets an operator shrink or skip it at city scale, where one
    month is tens of millions of rows (docs/performance.md). -#}
{%- set months = var('drillthrough_months', env_var('CONSORTIUM_DRILLTHROUGH_MONTHS', '1')) %}
{%- set months_back = 1 - (months | int) %}
{#- The first month served. The contribution macros filter every source at its date with it
    (macros/explain/), so the build costs the months served, not every period: the explain views
    are the same macros without a window. -#}
{%- set window_start -%}
    (select cast({{ dbt.dateadd('month', months_back, 'max(period_start)') }} as date)
     from {{ ref('metric_values') }}
     where period_type = 'month')
{%- endset %}
with contributions as (
    select * from ({{ explain_contributions__settlements(window_start) }}) as settlements
    union all
    select * from ({{ explain_contributions__family_doctor(window_start) }}) as family_doctor
    union all
    select * from ({{ explain_contributions__institutions(window_start) }}) as institutions
    union all
    select * from ({{ explain_contributions__public_health(window_start) }}) as public_health
),

definitions as (
    select metric_code, metric_name_zh from {{ ref('metric_definitions') }}
),

drillthrough_rows as (
    select
        contributions.metric_code,
        definitions.metric_name_zh,
        contributions.period_type,
        contributions.period_start,
        {{ month_label('contributions.period_start') }} as period_label,
        contributions.scope_type,
        contributions.scope_code,
        contributions.role,
        case contributions.role when 'numerator' then '分子' else '分母' end as role_zh,
        contributions.row_key,
        contributions.count_key,
        contributions.aggregation,
        contributions.person_key,
        contributions.contribution,
        contributions.source_system,
        contributions.source_table,
        contributions.source_file,
        contributions.source_line,
        contributions.delivery_date,
        contributions.note
    from contributions
    left join definitions
        on contributions.metric_code = definitions.metric_code
)
{%- if is_incremental() %}

{{ changed_rows('drillthrough_rows') }}
{%- else %}

select * from drillthrough_rows
{%- endif %}
