-- Chronic-disease management (scope: district). A patient counts once per period, by the
-- latest follow-up in the period (latest followup_date, then the highest followup_id).
with district as (
    select admdvs as district_code from {{ ref('int_district') }} where is_district_code
),

followups as (
    select * from {{ ref('fct_chronic_followups') }}
),

followups_dated as ({{ dated_in_periods('followups', 'followup_date') }}),

latest_per_patient as (
    select *
    from followups_dated
    qualify row_number() over (
        partition by period_type, period_start, disease, person_key
        order by followup_date desc, followup_id desc
    ) = 1
),

patients as (
    select
        latest_per_patient.*,
        'district' as scope_type,
        district.district_code as scope_code
    from latest_per_patient
    cross join district
),

hypertension as (select * from patients where disease = '高血压'),
diabetes as (select * from patients where disease = '2型糖尿病')

{{ aggregate_metric('htn_standard_mgmt_rate', 'hypertension', 'ratio', 'standard', '1') }}
union all
{{ aggregate_metric('dm_standard_mgmt_rate', 'diabetes', 'ratio', 'standard', '1') }}
union all
{{ aggregate_metric('htn_control_rate', 'hypertension', 'ratio', 'controlled', '1') }}
union all
{{ aggregate_metric('dm_control_rate', 'diabetes', 'ratio', 'controlled', '1') }}
