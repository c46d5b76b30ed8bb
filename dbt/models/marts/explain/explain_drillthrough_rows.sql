{#- On Spark, inlined into the table that reads it: a view keeps its SQL in the Hive metastore,
    whose column holds 32,700 characters, and this one is about 75,000 even compacted
    (macros/spark/create_view_as.sql). The table is built whole there, so no view is needed. -#}
{{ config(materialized='view' if target.type == 'duckdb' else 'ephemeral', schema='explain') }}
-- The served window's rows of the drill-through: the contribution rows of
-- explain.fct_metric_contributions for the month periods of the latest `drillthrough_months`
-- months (macros/explain/period_window.sql). marts.fct_metric_drillthrough is written from this
-- view, whole or by difference.
{#- The contribution macros filter every source at its date with the window's first month
    (macros/explain/), so the view costs the months served, not every period: the explain views
    are the same macros without a window. -#}
{%- set window_start = drillthrough_window_start() %}
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
)

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
