with source as (
    select * from {{ source('phs', 'chronic_followups') }}
),

latest as (
    select * from source
    {{ latest_version_filter(['followup_id']) }}
)

select
    followup_id,
    id_card_no as person_key,
    disease,
    inst_code,
    followup_date,
    sbp,
    dbp,
    fasting_glucose,
    controlled,
    standard,
    _delivery_date,
    _loaded_at
from latest
