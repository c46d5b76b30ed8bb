with latest as (
    {{ latest_versions(source('phs', 'chronic_followups'), ['followup_id']) }}
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
