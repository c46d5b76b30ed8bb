-- For shares the numerator is part of the denominator.
select metric_values.*
from {{ ref('metric_values') }} as metric_values
inner join {{ ref('metric_definitions') }} as definitions
    on metric_values.metric_code = definitions.metric_code
where definitions.kind = 'share'
    and metric_values.numerator > metric_values.denominator + 1e-9
