-- Shares lie in [0, 1] (growth rates are not shares and may be negative or above 1).
select metric_values.*
from {{ ref('metric_values') }} as metric_values
inner join {{ ref('metric_definitions') }} as definitions
    on metric_values.metric_code = definitions.metric_code
where definitions.kind = 'share'
    and (metric_values.value < 0 or metric_values.value > 1)
