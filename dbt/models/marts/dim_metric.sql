-- The metric catalogue for the dashboard and the report, from the metric_definitions seed.
select
    metric_code,
    metric_name_zh,
    metric_name_en,
    definition_zh,
    definition_en,
    theme_zh,
    is_headline,
    unit,
    better_direction,
    target,
    target_op,
    target_basis,
    sort_order
from {{ ref('metric_definitions') }}
