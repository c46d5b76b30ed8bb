{# Aggregate a fanned-out CTE (period_type, period_start, scope_type, scope_code, num, den) into
   metric rows. kind = 'ratio' (value = num/den, null on a zero denominator) or 'count'
   (value = Σ num; numerator and denominator null).
   base: a 0/1 expression marking the rows the metric's definition is over (a ratio's
   denominator rows, a count's counted rows) when the CTE holds more; a (period, scope) row is
   published only where one of them is (METRICS.md: no zero-filled rows). #}
{% macro aggregate_metric(metric_code, cte, kind='ratio', numerator='num', denominator='den',
                          base=none) -%}
    select
        '{{ metric_code }}' as metric_code,
        period_type,
        period_start,
        scope_type,
        scope_code,
        {%- if kind == 'count' %}
        cast(null as double) as numerator,
        cast(null as double) as denominator,
        cast(sum({{ numerator }}) as double) as value
        {%- else %}
        cast(sum({{ numerator }}) as double) as numerator,
        cast(sum({{ denominator }}) as double) as denominator,
        {{ safe_ratio('sum(' ~ numerator ~ ')', 'sum(' ~ denominator ~ ')') }} as value
        {%- endif %}
    from {{ cte }}
    group by period_type, period_start, scope_type, scope_code
    {%- if base is not none %}
    having sum({{ base }}) > 0
    {%- endif %}
{%- endmacro %}

{# Date rows of a CTE into every period type: adds period_type and period_start. #}
{% macro dated_in_periods(cte, date_column) -%}
    select
        period_types.period_type,
        {{ period_start('period_types.period_type', cte ~ '.' ~ date_column) }} as period_start,
        {{ cte }}.*
    from {{ cte }}
    cross join ({{ metric_period_types() }}) as period_types
{%- endmacro %}
