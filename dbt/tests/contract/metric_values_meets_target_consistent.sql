-- meets_target is null exactly when there is no target or nothing to judge.
select metric_values.*
from {{ ref('metric_values') }} as metric_values
inner join {{ ref('metric_definitions') }} as definitions
    on metric_values.metric_code = definitions.metric_code
where (metric_values.target is null and metric_values.meets_target is not null)
    or (metric_values.target is not null and definitions.target_basis = 'value'
        and (metric_values.value is null) <> (metric_values.meets_target is null))
