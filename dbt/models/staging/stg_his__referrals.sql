with latest as (
    {{ latest_versions(source('his', 'referrals'), ['referral_id'], 'updated_at') }}
)

select
    referral_id,
    from_inst_code,
    to_inst_code,
    nullif(to_inst_name, '') as to_inst_name,
    id_card_no as person_key,
    referral_time,
    cast(referral_time as date) as referral_date,
    referral_kind,
    nullif(reason_icd10, '') as reason_icd10,
    status,
    accepted_time,
    updated_at,
    _delivery_date,
    _loaded_at
from latest
