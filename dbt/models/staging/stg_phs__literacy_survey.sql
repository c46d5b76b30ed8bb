with latest as (
    {{ latest_versions(source('phs', 'literacy_survey'), ['response_id']) }}
)

select
    response_id,
    survey_year,
    township_code,
    sex,
    age,
    score,
    knowledge_score,
    behaviour_score,
    skill_score,
    survey_date,
    _delivery_date,
    _loaded_at
from latest
