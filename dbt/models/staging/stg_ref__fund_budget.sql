-- ref/fund_budget.csv (our addition to the contract, docs/budget.md): one row per group and
-- year. Ingestion has quarantined rows without a key or with a bad amount; an empty
-- monthly_prepayment means budget / 12.
select
    cast(year as integer) as budget_year,
    group_code,
    annual_budget,
    coalesce(monthly_prepayment, cast(annual_budget / 12 as decimal(16, 2)))
        as monthly_prepayment,
    monthly_prepayment is null as is_prepayment_defaulted
from {{ source('ref', 'ref_fund_budget') }}
