select
    spells.contract_id,
    spells.person_key,
    spells.inst_code,
    spells.township_code,
    spells.sex,
    spells.birth_date,
    contracts.package,
    contracts.key_populations,
    contracts.sign_date,
    spells.start_date,
    spells.end_date,
    spells.status,
    contracts.is_renewal,
    contracts.updated_at,
    spells.first_terminated_at,
    spells.held_from,
    spells.held_to,
    contracts.first_delivery_date,
    contracts._delivery_date as last_delivery_date
from {{ ref('int_fd_contract_spells') }} as spells
inner join {{ ref('stg_phs__fd_contracts') }} as contracts
    on spells.contract_id = contracts.contract_id
