-- Referrals with their direction: 外转 when the target is outside the district (or not in the
-- reference list at all), else 上转 / 下转 / 平转 by level rank; 转入 from outside.
with referrals as (
    select * from {{ ref('stg_his__referrals') }}
),

institutions as (
    select * from {{ ref('int_institutions') }}
)

select
    referrals.referral_id,
    referrals.from_inst_code,
    referrals.to_inst_code,
    referrals.to_inst_name,
    referrals.person_key,
    referrals.referral_time,
    referrals.referral_date,
    referrals.referral_kind,
    referrals.reason_icd10,
    referrals.status,
    referrals.status = '已接收' as is_accepted,
    referrals.accepted_time,
    from_inst.level_rank as from_level_rank,
    to_inst.level_rank as to_level_rank,
    coalesce(from_inst.is_in_district, false) as from_in_district,
    coalesce(to_inst.is_in_district, false) as to_in_district,
    case
        when not coalesce(to_inst.is_in_district, false) then '外转'
        when not coalesce(from_inst.is_in_district, false) then '转入'
        when to_inst.level_rank > from_inst.level_rank then '上转'
        when to_inst.level_rank < from_inst.level_rank then '下转'
        else '平转'
    end as direction,
    referrals._delivery_date,
    referrals._loaded_at
from referrals
left join institutions as from_inst
    on referrals.from_inst_code = from_inst.inst_code
left join institutions as to_inst
    on referrals.to_inst_code = to_inst.inst_code
