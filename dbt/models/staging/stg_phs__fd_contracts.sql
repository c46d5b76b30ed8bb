with source as (
    select * from {{ source('phs', 'fd_contracts') }}
),

-- The one exception to "latest version wins": a contract stops counting from the updated_at
-- of the first version that says 解约, even if a later version says otherwise.
first_termination as (
    select
        contract_id,
        min(updated_at) as first_terminated_at
    from source
    where status = '解约'
    group by contract_id
),

first_delivery as (
    select
        contract_id,
        min(_delivery_date) as first_delivery_date
    from source
    group by contract_id
),

latest as (
    {{ latest_versions(source('phs', 'fd_contracts'), ['contract_id'], 'updated_at') }}
)

select
    latest.contract_id,
    latest.team_id,
    latest.inst_code,
    latest.id_card_no as person_key,
    latest.sex,
    latest.birth_date,
    latest.township_code,
    nullif(latest.key_populations, '') as key_populations,
    latest.package,
    latest.sign_date,
    latest.start_date,
    latest.end_date,
    latest.status,
    latest.is_renewal,
    latest.updated_at,
    first_termination.first_terminated_at,
    first_delivery.first_delivery_date,
    latest._delivery_date,
    latest._loaded_at
from latest
left join first_termination
    on latest.contract_id = first_termination.contract_id
left join first_delivery
    on latest.contract_id = first_delivery.contract_id
