{# Period helpers. Every metric is computed per calendar month, quarter and year from the rows
   dated in that period. The period types are one macro so a unit test can narrow them to
   `month` (overrides: macros: metric_period_types) and keep its expected rows short. #}

{% macro metric_period_types() -%}
    select 'month' as period_type union all select 'quarter' as period_type union all select 'year' as period_type
{%- endmacro %}

{% macro period_start(period_type, date_expr) -%}
    case {{ period_type }}
        when 'month' then cast({{ dbt.date_trunc('month', date_expr) }} as date)
        when 'quarter' then cast({{ dbt.date_trunc('quarter', date_expr) }} as date)
        else cast({{ dbt.date_trunc('year', date_expr) }} as date)
    end
{%- endmacro %}

{# Last day of the period that starts on period_start. #}
{% macro period_end(period_type, period_start) -%}
    case {{ period_type }}
        when 'month' then cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, period_start)) }} as date)
        when 'quarter' then cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 3, period_start)) }} as date)
        else cast({{ dbt.dateadd('day', -1, dbt.dateadd('year', 1, period_start)) }} as date)
    end
{%- endmacro %}

{% macro add_days(date_expr, days) -%}
    cast({{ dbt.dateadd('day', days, date_expr) }} as date)
{%- endmacro %}

{# Age on a date in completed years (the birthday itself counts). #}
{% macro age_in_years(birth_date, on_date) -%}
    (extract(year from {{ on_date }}) - extract(year from {{ birth_date }})
     - case when extract(month from {{ on_date }}) * 100 + extract(day from {{ on_date }})
                 < extract(month from {{ birth_date }}) * 100 + extract(day from {{ birth_date }})
            then 1 else 0 end)
{%- endmacro %}

{# Ratio with the contract's zero-denominator rule: null, never 0. #}
{% macro safe_ratio(numerator, denominator, scale=none) -%}
    case when {{ denominator }} is null or {{ denominator }} = 0 then null
         else cast({{ numerator }} as double){% if scale %} * {{ scale }}{% endif %} / cast({{ denominator }} as double) end
{%- endmacro %}
