-- Contract status by day, as the span of days a contract is held: from start_date to
-- end_date, cut short the day before the first 解约 version's updated_at (METRICS.md,
-- "Versions"). Held on d  <=>  held_from <= d <= held_to.
with contracts as (
    select * from {{ ref('stg_phs__fd_contracts') }}
)

select
    contract_id,
    person_key,
    inst_code,
    township_code,
    birth_date,
    sex,
    start_date,
    end_date,
    status,
    first_terminated_at,
    cast(first_terminated_at as date) as terminated_on,
    start_date as held_from,
    case
        when first_terminated_at is not null
            and {{ add_days('cast(first_terminated_at as date)', -1) }} < end_date
            then {{ add_days('cast(first_terminated_at as date)', -1) }}
        else end_date
    end as held_to
from contracts
