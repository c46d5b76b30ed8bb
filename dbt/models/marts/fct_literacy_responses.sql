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
    survey_date
from {{ ref('stg_phs__literacy_survey') }}
