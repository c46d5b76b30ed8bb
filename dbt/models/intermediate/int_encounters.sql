-- Encounters (人次): a distinct mdtrt_id with at least one valid settlement. Class from
-- med_type (inpatient wins over outpatient); date = latest enddate of its valid settlements.
-- Where and for whom: the latest valid settlement's institution and person.
with valid_settlements as (
    select * from {{ ref('int_settlements_netted') }}
    where is_valid
),

per_encounter as (
    select
        mdtrt_id,
        max(enddate) as encounter_date,
        min(begndate) as admission_date,
        max(case when med_class = 'inpatient' then 1 else 0 end) as has_inpatient,
        max(case when med_class = 'outpatient' then 1 else 0 end) as has_outpatient,
        count(*) as valid_settlements
    from valid_settlements
    group by mdtrt_id
),

latest_settlement as (
    select *
    from valid_settlements
    qualify row_number() over (
        partition by mdtrt_id order by enddate desc, setl_time desc, setl_id desc
    ) = 1
)

select
    per_encounter.mdtrt_id,
    case
        when per_encounter.has_inpatient = 1 then 'inpatient'
        when per_encounter.has_outpatient = 1 then 'outpatient'
        else 'other'
    end as encounter_class,
    per_encounter.has_inpatient = 1 or per_encounter.has_outpatient = 1 as is_encounter,
    per_encounter.encounter_date,
    per_encounter.admission_date,
    per_encounter.valid_settlements,
    latest_settlement.person_key,
    latest_settlement.insu_admdvs,
    latest_settlement.is_district_resident,
    latest_settlement.inst_code,
    latest_settlement.is_in_district_inst,
    latest_settlement.is_primary_inst
from per_encounter
inner join latest_settlement
    on per_encounter.mdtrt_id = latest_settlement.mdtrt_id
