-- One person key across all systems: the pseudonymised identity number (id_card_no in HIS,
-- LIS, PACS, EMR and PHS; certno in insurance hash identically). Attributes come from the
-- latest record that carries them.
with sightings as (
    select person_key, 'insurance' as system, sex, birth_date, setl_time as seen_at,
        insu_admdvs
    from {{ ref('stg_insurance__settlements') }}
    union all
    select person_key, 'his', sex, birth_date, visit_time, null
    from {{ ref('stg_his__outpatient_visits') }}
    union all
    select person_key, 'his', sex, birth_date, admit_time, null
    from {{ ref('stg_his__inpatient_admissions') }}
    union all
    select person_key, 'phs', sex, birth_date, updated_at, null
    from {{ ref('stg_phs__fd_contracts') }}
    union all
    select person_key, 'lis', null, null, reported_time, null
    from {{ ref('stg_lis__lab_results') }}
    union all
    select person_key, 'pacs', null, null, exam_time, null
    from {{ ref('stg_pacs__imaging_studies') }}
    union all
    select person_key, 'emr', null, null, cast(discharge_date as timestamp), null
    from {{ ref('stg_emr__discharge_abstracts') }}
    union all
    select person_key, 'phs', null, null, cast(followup_date as timestamp), null
    from {{ ref('stg_phs__chronic_followups') }}
    union all
    select person_key, 'his', null, null, referral_time, null
    from {{ ref('stg_his__referrals') }}
),

demographics as (
    select person_key, sex, birth_date
    from sightings
    where sex is not null
    qualify row_number() over (partition by person_key order by seen_at desc, system asc) = 1
),

insurance as (
    select person_key, insu_admdvs
    from sightings
    where insu_admdvs is not null
    qualify row_number() over (partition by person_key order by seen_at desc) = 1
),

summary as (
    select
        person_key,
        min(seen_at) as first_seen_at,
        max(seen_at) as last_seen_at,
        count(distinct system) as systems_seen
    from sightings
    where person_key is not null
    group by person_key
)

select
    summary.person_key,
    demographics.sex,
    demographics.birth_date,
    insurance.insu_admdvs,
    district.admdvs is not null as is_district_insured,
    summary.systems_seen,
    summary.first_seen_at,
    summary.last_seen_at
from summary
left join demographics on summary.person_key = demographics.person_key
left join insurance on summary.person_key = insurance.person_key
left join {{ ref('int_district') }} as district on insurance.insu_admdvs = district.admdvs
