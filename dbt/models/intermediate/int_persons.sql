-- One person key across all systems: the pseudonymised identity number (id_card_no in HIS,
-- LIS, PACS, EMR and PHS; certno in insurance hash identically). Attributes come from the
-- latest record that carries them.
-- Insurance rows come from int_settlements_netted (a table, one row per staged settlement, with
-- the person's columns) rather than the staging view: the view would redo the version window
-- over every raw settlement, already done once for int_settlements_netted.
{%- set systems = ['insurance', 'his', 'phs', 'lis', 'pacs', 'emr'] %}
with sightings as (
    select person_key, 'insurance' as system, sex, birth_date, setl_time as seen_at,
        insu_admdvs
    from {{ ref('int_settlements_netted') }}
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

summary as (
    select
        person_key,
        min(seen_at) as first_seen_at,
        max(seen_at) as last_seen_at,
        -- count(distinct system) over the fixed list above, without a distinct aggregate
        cast(
            {%- for system in systems %}
            max(case when system = '{{ system }}' then 1 else 0 end)
            {%- if not loop.last %} +{% endif %}
            {%- endfor %} as bigint
        ) as systems_seen,
        max(case when sex is not null then seen_at end) as demographics_seen_at
    from sightings
    where person_key is not null
    group by person_key
),

-- The latest sighting with a sex: only the sightings at the person's latest such time can win
-- (seen_at desc, nulls last), so the window sorts those few instead of every sighting.
demographics as (
    select sightings.person_key, sightings.sex, sightings.birth_date
    from sightings
    inner join summary
        on sightings.person_key = summary.person_key
    where sightings.sex is not null
        and (sightings.seen_at = summary.demographics_seen_at
            or summary.demographics_seen_at is null)
    qualify row_number() over (
        partition by sightings.person_key order by sightings.seen_at desc, sightings.system asc
    ) = 1
),

insurance as (
    select person_key, insu_admdvs
    from sightings
    where insu_admdvs is not null
    qualify row_number() over (partition by person_key order by seen_at desc) = 1
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
