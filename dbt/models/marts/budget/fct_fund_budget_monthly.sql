-- 医保总额预付 per group and month of a budgeted year (docs/budget.md): the fund spending of the
-- group's residents wherever treated, against the budget and the prepayments. Rows exist for
-- the (year, group) pairs of ref/fund_budget.csv, from January up to the latest month the
-- settlements cover; without a budget file the model is empty.
with budgets as (
    select * from {{ ref('stg_ref__fund_budget') }}
),

-- Netted exactly like the metrics: originals that stand, cancelled originals and their
-- reversals (which net to zero), dated on their encounter's date; district residents only.
resident_settlements as (
    select
        residents.group_code,
        cast({{ dbt.date_trunc('month', 'settlements.effective_date') }} as date) as month_start,
        settlements.fund_pay_sumamt,
        settlements.is_in_district_inst
    from {{ ref('fct_settlements') }} as settlements
    inner join {{ ref('int_budget_resident_groups') }} as residents
        on settlements.person_key = residents.person_key
    where settlements.counts_in_money
        and settlements.is_district_resident
),

covered as (
    select
        max(cast({{ dbt.date_trunc('month', 'effective_date') }} as date)) as last_month,
        min(cast({{ dbt.date_trunc('month', 'effective_date') }} as date)) as first_month
    from {{ ref('fct_settlements') }}
    where counts_in_money and is_district_resident
),

monthly_spending as (
    select
        group_code,
        month_start,
        sum(fund_pay_sumamt) as fund_spending,
        sum(case when is_in_district_inst then 0 else fund_pay_sumamt end)
            as fund_spending_out_of_district
    from resident_settlements
    group by group_code, month_start
),

month_numbers as (
    {%- for month_no in range(1, 13) %}
    select {{ month_no }} as month_no{% if not loop.last %} union all{% endif %}
    {%- endfor %}
),

spine as (
    select
        budgets.budget_year,
        budgets.group_code,
        month_numbers.month_no,
        cast({{ dbt.dateadd('month', 'month_numbers.month_no - 1',
            "cast(cast(budgets.budget_year as " ~ dbt.type_string() ~ ") || '-01-01' as date)") }}
            as date) as month_start,
        budgets.annual_budget,
        budgets.monthly_prepayment
    from budgets
    cross join month_numbers
),

months as (
    select
        spine.*,
        coalesce(monthly_spending.fund_spending, 0) as fund_spending,
        coalesce(monthly_spending.fund_spending_out_of_district, 0)
            as fund_spending_out_of_district
    from spine
    cross join covered
    left join monthly_spending
        on spine.group_code = monthly_spending.group_code
        and spine.month_start = monthly_spending.month_start
    where spine.month_start <= covered.last_month
),

cumulated as (
    select
        months.*,
        sum(fund_spending) over (
            partition by budget_year, group_code order by month_no
            rows between unbounded preceding and current row
        ) as cumulative_spending,
        cast(annual_budget * month_no / 12 as decimal(18, 2)) as cumulative_budget,
        monthly_prepayment * month_no as cumulative_prepayment
    from months
),

-- The year before, by group and month, when the settlements cover all of it: its seasonality
-- projects the current year.
prior_year as (
    select
        monthly_spending.group_code,
        cast(extract(year from monthly_spending.month_start) as integer) + 1 as next_year,
        cast(extract(month from monthly_spending.month_start) as integer) as month_no,
        monthly_spending.fund_spending
    from monthly_spending
    cross join covered
    where covered.first_month
        <= cast({{ dbt.date_trunc('year', 'monthly_spending.month_start') }} as date)
        and covered.last_month >= cast({{ dbt.dateadd('month', 11,
            dbt.date_trunc('year', 'monthly_spending.month_start')) }} as date)
),

prior_totals as (
    select
        group_code,
        next_year,
        sum(fund_spending) as prior_year_total
    from prior_year
    group by group_code, next_year
),

prior_to_date as (
    select
        cumulated.budget_year,
        cumulated.group_code,
        cumulated.month_no,
        sum(prior_year.fund_spending) as prior_year_to_date
    from cumulated
    inner join prior_year
        on cumulated.group_code = prior_year.group_code
        and cumulated.budget_year = prior_year.next_year
        and prior_year.month_no <= cumulated.month_no
    group by cumulated.budget_year, cumulated.group_code, cumulated.month_no
),

projected as (
    select
        cumulated.*,
        prior_to_date.prior_year_to_date,
        prior_totals.prior_year_total
    from cumulated
    left join prior_to_date
        on cumulated.budget_year = prior_to_date.budget_year
        and cumulated.group_code = prior_to_date.group_code
        and cumulated.month_no = prior_to_date.month_no
    left join prior_totals
        on cumulated.group_code = prior_totals.group_code
        and cumulated.budget_year = prior_totals.next_year
),

measured as (
    select
        *,
        case
            when prior_year_to_date > 0 and prior_year_total > 0
                then cast(cumulative_spending as double) * cast(prior_year_total as double)
                / cast(prior_year_to_date as double)
            else cast(cumulative_spending as double) * 12 / month_no
        end as projected_annual_spending,
        case
            when prior_year_to_date > 0 and prior_year_total > 0 then 'prior_year_seasonality'
            else 'run_rate'
        end as projection_method
    from projected
)

select
    budget_year,
    group_code,
    month_start,
    month_no,
    annual_budget,
    cast(annual_budget / 12 as decimal(18, 2)) as monthly_budget,
    monthly_prepayment,
    fund_spending,
    fund_spending_out_of_district,
    cumulative_spending,
    cumulative_budget,
    cumulative_prepayment,
    cumulative_budget - cumulative_spending as cumulative_balance,
    {{ safe_ratio('cumulative_spending', 'annual_budget') }} as execution_rate,
    {{ safe_ratio('cumulative_spending', 'cumulative_budget') }} as execution_vs_schedule,
    round(projected_annual_spending, 2) as projected_annual_spending,
    projection_method,
    round(cast(annual_budget as double) - projected_annual_spending, 2) as projected_balance,
    -- 季度评估 at each quarter's last month: spending to date against the budget to date.
    case
        when month_no % 3 != 0 then null
        when cumulative_spending > cumulative_budget then '超支'
        when cumulative_spending > cumulative_budget * 0.95 then '预警'
        else '正常'
    end as quarter_assessment,
    -- 年终清算 in December: the held-back prepayments are paid, a surplus stays with the group
    -- (结余留用), an overrun is the group's own (超支不补).
    case when month_no = 12 then annual_budget - cumulative_prepayment end
        as year_end_settlement_payment,
    case when month_no = 12 then
        case when cumulative_spending < annual_budget then annual_budget - cumulative_spending
            else 0 end
    end as surplus_retained,
    case when month_no = 12 then
        case when cumulative_spending > annual_budget then cumulative_spending - annual_budget
            else 0 end
    end as overrun_borne
from measured
