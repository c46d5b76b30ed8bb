-- 居民健康素养水平 (scopes: district, township). The survey dates by survey_year, so only
-- `year` periods exist. Weight of a respondent = population of its cell ÷ respondents in its
-- cell (cell = township × sex × age group); cells without respondents drop out, so the level
-- is Σ_cell population × literate/respondents ÷ Σ_cell population.
with thresholds as (
    select
        max(case when threshold_code = 'literacy_score_cutoff' then threshold_value end)
            as score_cutoff,
        max(case when threshold_code = 'literacy_min_age' then threshold_value end) as min_age,
        max(case when threshold_code = 'literacy_max_age' then threshold_value end) as max_age
    from {{ ref('metric_thresholds') }}
),

district as (
    select admdvs as district_code from {{ ref('int_district') }} where is_district_code
),

responses as (
    select
        responses.*,
        district.district_code,
        case when responses.age between thresholds.min_age and thresholds.max_age
            then 1 else 0 end as is_in_age_range,
        case when responses.score >= thresholds.score_cutoff then 1 else 0 end as is_literate,
        case
            when responses.age < 25 then '15-24'
            when responses.age < 35 then '25-34'
            when responses.age < 45 then '35-44'
            when responses.age < 55 then '45-54'
            when responses.age < 65 then '55-64'
            else '65-69'
        end as age_group
    from {{ ref('fct_literacy_responses') }} as responses
    cross join district
    cross join thresholds
),

population_cells as (
    select
        population.population_year,
        population.township_code,
        population.sex,
        case
            when population.age < 25 then '15-24'
            when population.age < 35 then '25-34'
            when population.age < 45 then '35-44'
            when population.age < 55 then '45-54'
            when population.age < 65 then '55-64'
            else '65-69'
        end as age_group,
        sum(population.population) as population
    from {{ ref('stg_ref__population') }} as population
    cross join thresholds
    where population.age between thresholds.min_age and thresholds.max_age
    group by 1, 2, 3, 4
),

respondent_cells as (
    select
        survey_year,
        township_code,
        sex,
        age_group,
        district_code,
        count(*) as respondents,
        sum(is_literate) as literate
    from responses
    where is_in_age_range = 1
    group by survey_year, township_code, sex, age_group, district_code
),

weighted_cells as (
    select
        respondent_cells.*,
        cast(coalesce(population_cells.population, 0) as double) as population,
        -- Fixed-point per cell, so the sum over cells is exact and a re-run publishes the same
        -- digits whatever order the cells are summed in.
        cast(cast(coalesce(population_cells.population, 0) as double) * respondent_cells.literate
            / respondent_cells.respondents as decimal(38, 12)) as weighted_literate
    from respondent_cells
    left join population_cells
        on respondent_cells.survey_year = population_cells.population_year
        and respondent_cells.township_code = population_cells.township_code
        and respondent_cells.sex = population_cells.sex
        and respondent_cells.age_group = population_cells.age_group
),

weighted_scoped as (
    {{ fan_out_scopes('weighted_cells', ['district', 'township']) }}
),

weighted as (
    select
        survey_year, scope_type, scope_code,
        cast(sum(weighted_literate) as double) as weighted_literate,
        sum(population) as population
    from weighted_scoped
    group by survey_year, scope_type, scope_code
),

responses_scoped as (
    {{ fan_out_scopes('responses', ['district', 'township']) }}
),

plain as (
    select
        survey_year, scope_type, scope_code,
        sum(case when is_in_age_range = 1 then is_literate else 0 end) as literate,
        sum(is_in_age_range) as respondents
    from responses_scoped
    group by survey_year, scope_type, scope_code
),

-- A year and scope has rows where it has respondents aged 15–69 (the metrics' respondents).
surveyed as (
    select
        plain.*,
        coalesce(weighted.weighted_literate, 0) as weighted_literate,
        coalesce(weighted.population, 0) as population
    from plain
    left join weighted
        on plain.survey_year = weighted.survey_year
        and plain.scope_type = weighted.scope_type
        and plain.scope_code = weighted.scope_code
    where plain.respondents > 0
)

select
    'health_literacy_level' as metric_code,
    'year' as period_type,
    cast(cast(survey_year as {{ dbt.type_string() }}) || '-01-01' as date) as period_start,
    scope_type,
    scope_code,
    weighted_literate as numerator,
    population as denominator,
    {{ safe_ratio('weighted_literate', 'population') }} as value
from surveyed
union all
select
    'health_literacy_level_unweighted',
    'year',
    cast(cast(survey_year as {{ dbt.type_string() }}) || '-01-01' as date),
    scope_type,
    scope_code,
    cast(literate as double),
    cast(respondents as double),
    {{ safe_ratio('literate', 'respondents') }}
from surveyed
