-- The group each district resident's fund spending is charged to (医保总额预付, docs/budget.md).
-- 1. the township of the person's latest family-doctor contract, through dim_township's group
--    (the same township -> group link the township metrics use);
-- 2. else the group of the member institution where the person had the most encounters,
--    primary care first (the usual first-contact institution);
-- 3. else none: such a person's spending is charged to no group (counted in the docs' check).
with contract_township as (
    select person_key, township_code
    from {{ ref('int_fd_contract_spells') }}
    where person_key is not null and township_code is not null
    qualify row_number() over (
        partition by person_key order by held_from desc, contract_id desc
    ) = 1
),

by_contract as (
    select contract_township.person_key, townships.group_code
    from contract_township
    inner join {{ ref('dim_township') }} as townships
        on contract_township.township_code = townships.township_code
    where townships.group_code is not null
),

encounters_by_group as (
    select
        encounters.person_key,
        institutions.group_code,
        sum(case when institutions.is_primary then 1 else 0 end) as primary_encounters,
        count(*) as encounters
    from {{ ref('fct_encounters') }} as encounters
    inner join {{ ref('int_institutions') }} as institutions
        on encounters.inst_code = institutions.inst_code
    where encounters.is_district_resident
        and institutions.group_code is not null
    group by encounters.person_key, institutions.group_code
),

by_usual_care as (
    select person_key, group_code
    from encounters_by_group
    qualify row_number() over (
        partition by person_key
        order by primary_encounters desc, encounters desc, group_code asc
    ) = 1
)

select
    coalesce(by_contract.person_key, by_usual_care.person_key) as person_key,
    coalesce(by_contract.group_code, by_usual_care.group_code) as group_code,
    case when by_contract.person_key is not null then 'fd_contract' else 'usual_care' end
        as attribution_basis
from by_contract
full outer join by_usual_care
    on by_contract.person_key = by_usual_care.person_key
