-- A calendar from 2015 to 2035, built from digits so it runs on DuckDB and Spark alike.
with digits as (
    select 0 as d union all select 1 union all select 2 union all select 3 union all select 4
    union all select 5 union all select 6 union all select 7 union all select 8 union all select 9
),

numbers as (
    select a.d + 10 * b.d + 100 * c.d + 1000 * e.d as n
    from digits as a cross join digits as b cross join digits as c cross join digits as e
),

days as (
    select {{ add_days("cast('2015-01-01' as date)", 'n') }} as date_day
    from numbers
    where n < 7671
)

select
    date_day,
    cast(extract(year from date_day) as integer) as year_number,
    cast(extract(quarter from date_day) as integer) as quarter_number,
    cast(extract(month from date_day) as integer) as month_number,
    cast(extract(day from date_day) as integer) as day_of_month,
    {{ period_start("'month'", 'date_day') }} as month_start,
    {{ period_start("'quarter'", 'date_day') }} as quarter_start,
    {{ period_start("'year'", 'date_day') }} as year_start
from days
