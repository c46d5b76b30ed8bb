{# The survey and follow-up rows behind metric_literacy.sql (scopes: district, township; years)
   and metric_chronic.sql (scope: district): the same facts, cells, thresholds and "latest
   follow-up in the period" rule. A respondent adds its weight (cell population ÷ cell
   respondents) to the weighted level, so the rows sum to the published numerator and
   denominator.
   window_start: see explain_period_types (period_window.sql). #}
{% macro explain_contributions__public_health(window_start=none) -%}
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

lineage_responses as (
    select
        response_id,
        _source_file as source_file,
        _source_line as source_line,
        _delivery_date as delivery_date
    from {{ source('phs', 'literacy_survey') }}
    {{ latest_version_filter(['response_id']) }}
),

lineage_followups as (
    select
        followup_id,
        _source_file as source_file,
        _source_line as source_line,
        _delivery_date as delivery_date
    from {{ source('phs', 'chronic_followups') }}
    {{ latest_version_filter(['followup_id']) }}
),

{%- set age_group -%}
    case
        when {age} < 25 then '15-24'
        when {age} < 35 then '25-34'
        when {age} < 45 then '35-44'
        when {age} < 55 then '45-54'
        when {age} < 65 then '55-64'
        else '65-69'
    end
{%- endset %}

responses as (
    select
        responses.response_id,
        responses.survey_year,
        responses.township_code,
        responses.sex,
        district.district_code,
        {{ age_group | replace('{age}', 'responses.age') }} as age_group,
        case when responses.score >= thresholds.score_cutoff then 1 else 0 end as is_literate
    from {{ ref('fct_literacy_responses') }} as responses
    cross join district
    cross join thresholds
    where responses.age between thresholds.min_age and thresholds.max_age
),

population_cells as (
    select
        population.population_year,
        population.township_code,
        population.sex,
        {{ age_group | replace('{age}', 'population.age') }} as age_group,
        sum(population.population) as population
    from {{ ref('stg_ref__population') }} as population
    cross join thresholds
    where population.age between thresholds.min_age and thresholds.max_age
    group by 1, 2, 3, 4
),

respondent_cells as (
    select survey_year, township_code, sex, age_group, count(*) as respondents
    from responses
    group by survey_year, township_code, sex, age_group
),

weighted_responses as (
    select
        responses.*,
        cast(coalesce(population_cells.population, 0) as double)
            / respondent_cells.respondents as weight
    from responses
    inner join respondent_cells
        on responses.survey_year = respondent_cells.survey_year
        and responses.township_code = respondent_cells.township_code
        and responses.sex = respondent_cells.sex
        and responses.age_group = respondent_cells.age_group
    left join population_cells
        on responses.survey_year = population_cells.population_year
        and responses.township_code = population_cells.township_code
        and responses.sex = population_cells.sex
        and responses.age_group = population_cells.age_group
),

responses_scoped as (
    {{ fan_out_scopes('weighted_responses', ['district', 'township']) }}
),

followups as (
    select * from {{ ref('fct_chronic_followups') }}
),

followups_dated as (
    select
        period_types.period_type,
        {{ period_start('period_types.period_type', 'followups.followup_date') }} as period_start,
        followups.*
    from followups
    cross join ({{ explain_period_types(window_start) }}) as period_types
    {%- if window_start is not none %}
    where followups.followup_date >= {{ window_start }}
    {%- endif %}
),

latest_per_patient as (
    select *
    from followups_dated
    qualify row_number() over (
        partition by period_type, period_start, disease, person_key
        order by followup_date desc, followup_id desc
    ) = 1
),

{%- set response_parts = [
    ('health_literacy_level', 'numerator', 'is_literate = 1', 'weight'),
    ('health_literacy_level', 'denominator', 'true', 'weight'),
    ('health_literacy_level_unweighted', 'numerator', 'is_literate = 1', '1'),
    ('health_literacy_level_unweighted', 'denominator', 'true', '1'),
] %}
{%- set followup_parts = [] %}
{%- for code, disease, flag in [('htn_standard_mgmt_rate', '高血压', 'standard'),
                                ('dm_standard_mgmt_rate', '2型糖尿病', 'standard'),
                                ('htn_control_rate', '高血压', 'controlled'),
                                ('dm_control_rate', '2型糖尿病', 'controlled')] %}
{%- do followup_parts.append((code, disease, flag, 'numerator')) %}
{%- do followup_parts.append((code, disease, flag, 'denominator')) %}
{%- endfor %}

{#- Literacy is published per year only: a month window holds none of its rows. #}
{%- if window_start is not none %}{% set response_parts = [] %}{% endif %}

contributions as (
    {%- for code, role, condition, amount in response_parts %}
    select
        '{{ code }}' as metric_code,
        'year' as period_type,
        cast(cast(survey_year as {{ dbt.type_string() }}) || '-01-01' as date) as period_start,
        responses.scope_type,
        responses.scope_code,
        '{{ role }}' as role,
        'response_id:' || responses.response_id as row_key,
        cast(null as string) as person_key,
        cast({{ amount }} as double) as contribution,
        responses.response_id as count_key,
        'sum' as aggregation,
        'phs' as source_system,
        'literacy_survey' as source_table,
        lineage.source_file,
        lineage.source_line,
        lineage.delivery_date,
        'cell ' || responses.township_code || '/' || responses.sex || '/'
            || responses.age_group as note
    from responses_scoped as responses
    left join lineage_responses as lineage
        on responses.response_id = lineage.response_id
    where {{ condition }}
    union all
    {%- endfor %}
    {%- for code, disease, flag, role in followup_parts %}
    select
        '{{ code }}' as metric_code,
        patients.period_type,
        patients.period_start,
        'district' as scope_type,
        district.district_code as scope_code,
        '{{ role }}' as role,
        'followup_id:' || patients.followup_id as row_key,
        patients.person_key,
        cast(1 as double) as contribution,
        patients.person_key as count_key,
        'count_distinct' as aggregation,
        'phs' as source_system,
        'chronic_followups' as source_table,
        lineage.source_file,
        lineage.source_line,
        lineage.delivery_date,
        'latest follow-up in the period' as note
    from latest_per_patient as patients
    cross join district
    left join lineage_followups as lineage
        on patients.followup_id = lineage.followup_id
    where patients.disease = '{{ disease }}'
        {%- if role == 'numerator' %} and patients.{{ flag }} = 1{% endif %}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
)

select * from contributions
{%- endmacro %}
