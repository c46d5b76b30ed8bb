-- Rebuilt whole on every build, like the other facts: it follows staging's latest versions
-- exactly, so a re-sent day that drops or corrects a row is reflected (an incremental
-- delete+insert by key kept the dropped rows; docs/performance.md).
select
    followup_id,
    person_key,
    disease,
    inst_code,
    followup_date,
    sbp,
    dbp,
    fasting_glucose,
    controlled,
    standard,
    _loaded_at
from {{ ref('stg_phs__chronic_followups') }}
