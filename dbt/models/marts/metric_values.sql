-- The published table (METRICS.md, "The published table"): one row per metric × period ×
-- scope, with the target from the metric_definitions seed and the year-over-year change.
with computed as (
    {%- for family in ['metric_settlements', 'metric_family_doctor', 'metric_literacy',
                       'metric_his', 'metric_diagnostics', 'metric_discharges',
                       'metric_chronic'] %}
    select metric_code, period_type, period_start, scope_type, scope_code,
        numerator, denominator, value
    from {{ ref(family) }}
    {%- if not loop.last %}
    union all{% endif %}
    {%- endfor %}
),

definitions as (
    select * from {{ ref('metric_definitions') }}
),

with_yoy as (
    select
        computed.*,
        definitions.metric_name_zh,
        definitions.unit,
        definitions.target,
        definitions.target_op,
        definitions.target_basis,
        -- METRICS.md: value − the year-earlier value; rates as percentage points (a fraction),
        -- counts and money (yuan, per 10k) as the relative change. Days (alos) are neither: the
        -- difference, in days.
        case
            when computed.value is null or earlier.value is null then null
            when definitions.unit in ('rate', 'days') then computed.value - earlier.value
            when earlier.value = 0 then null
            else computed.value / earlier.value - 1
        end as yoy_change
    from computed
    inner join definitions
        on computed.metric_code = definitions.metric_code
    left join computed as earlier
        on computed.metric_code = earlier.metric_code
        and computed.period_type = earlier.period_type
        and computed.scope_type = earlier.scope_type
        and computed.scope_code = earlier.scope_code
        and earlier.period_start = cast({{ dbt.dateadd('year', -1, 'computed.period_start') }} as date)
),

-- Judged at 12 decimals, the target too: a difference or a growth (n ÷ d − 1) of doubles
-- misses an exact boundary by ~1e-17 (0.35 − 0.34 = 0.00999…95), and "+0.01 or more" or
-- "≤ 0.10" is met there; and a target that is not a short decimal (≥ 1/3) is met by the ratio
-- equal to it (30 ÷ 90) only if both sides are rounded alike. A ratio of counts within 5e-13 of
-- a target without being equal to it would need a denominator above 10^11.
judged as (
    select
        with_yoy.*,
        round(case when target_basis = 'yoy_change' then yoy_change else value end, 12)
            as judged_value,
        round(target, 12) as judged_target
    from with_yoy
)

select
    cast(metric_code as {{ dbt.type_string() }}) as metric_code,
    cast(metric_name_zh as {{ dbt.type_string() }}) as metric_name_zh,
    cast(period_type as {{ dbt.type_string() }}) as period_type,
    cast(period_start as date) as period_start,
    cast(scope_type as {{ dbt.type_string() }}) as scope_type,
    cast(scope_code as {{ dbt.type_string() }}) as scope_code,
    cast(numerator as double) as numerator,
    cast(denominator as double) as denominator,
    cast(value as double) as value,
    cast(target as double) as target,
    cast(target_op as {{ dbt.type_string() }}) as target_op,
    -- "≥ 0.25 and rises" (target_basis value_and_rise): the level and a rise on the year
    -- before, in SQL's three-valued logic: a level short of the target is not met; a level met
    -- with no year before to rise from is not known (null).
    case
        when target is null or target_op is null or judged_value is null then cast(null as boolean)
        else (case
                when target_op = '>=' then judged_value >= judged_target
                when target_op = '<=' then judged_value <= judged_target
                when target_op = '>' then judged_value > judged_target
                when target_op = '<' then judged_value < judged_target
              end)
            and (target_basis <> 'value_and_rise' or round(yoy_change, 12) > 0)
    end as meets_target,
    cast(yoy_change as double) as yoy_change
from judged
