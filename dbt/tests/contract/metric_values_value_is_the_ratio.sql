-- value = numerator / denominator (× 10000 for per-10k metrics; − 1 for growth rates), null
-- exactly when the denominator is zero or missing; counts carry no numerator or denominator.
with checked as (
    select
        metric_values.*,
        definitions.kind,
        case
            when definitions.kind = 'count' then null
            when metric_values.denominator is null or metric_values.denominator = 0 then null
            when definitions.kind = 'growth'
                then metric_values.numerator / metric_values.denominator - 1
            else metric_values.numerator * definitions.value_scale / metric_values.denominator
        end as expected_value
    from {{ ref('metric_values') }} as metric_values
    inner join {{ ref('metric_definitions') }} as definitions
        on metric_values.metric_code = definitions.metric_code
)

select *
from checked
where (kind = 'count' and (numerator is not null or denominator is not null or value is null))
    or (kind <> 'count' and expected_value is null and value is not null)
    or (kind <> 'count' and expected_value is not null and value is null)
    or (kind <> 'count' and abs(value - expected_value) > 1e-9 * (1 + abs(expected_value)))
