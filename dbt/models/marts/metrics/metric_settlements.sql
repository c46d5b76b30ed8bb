-- Insurance-based metrics (scope: district). A metric has a row for a period where the rows
-- its definition is over are dated in it: a ratio's denominator rows (inpatient encounters,
-- outpatient or inpatient settlements…), a count's counted rows (METRICS.md: rows only where
-- there are source rows, no zero-filled rows).
with thresholds as (
    select max(case when threshold_code = 'referral_window_days' then threshold_value end)
        as referral_window_days
    from {{ ref('metric_thresholds') }}
),

district as (
    select admdvs as district_code from {{ ref('int_district') }} where is_district_code
),

period_types as (
    {{ metric_period_types() }}
),

settlements as (
    select
        period_types.period_type,
        {{ period_start('period_types.period_type', 'settlements.effective_date') }} as period_start,
        settlements.*
    from {{ ref('fct_settlements') }} as settlements
    cross join period_types
    where settlements.counts_in_money
        and settlements.is_district_resident
),

encounters as (
    select
        period_types.period_type,
        {{ period_start('period_types.period_type', 'encounters.encounter_date') }} as period_start,
        encounters.*
    from {{ ref('fct_encounters') }} as encounters
    cross join period_types
    where encounters.is_district_resident
),

-- An out-of-district stay counts as referred when the same person had an accepted referral
-- out of the district in the window days before admission (inclusive).
referred_outflow as (
    select distinct encounters.mdtrt_id
    from {{ ref('fct_encounters') }} as encounters
    inner join {{ ref('fct_referrals') }} as referrals
        on encounters.person_key = referrals.person_key
    cross join thresholds
    where encounters.encounter_class = 'inpatient'
        and encounters.is_district_resident
        and not encounters.is_in_district_inst
        and referrals.is_accepted
        and referrals.direction = '外转'
        and referrals.referral_date <= encounters.admission_date
        and referrals.referral_date >= {{ add_days('encounters.admission_date',
            '-cast(thresholds.referral_window_days as integer)') }}
),

-- Money is summed as exact decimals and converted once: a sum of doubles depends on the order
-- the rows arrive in, and a re-run must publish identical numbers.
money as (
    select
        period_type,
        period_start,
        cast(sum(medfee_sumamt) as double) as medfee_all,
        cast(sum(case when med_class in ('inpatient', 'outpatient')
            then medfee_sumamt else 0 end) as double) as medfee_care,
        cast(sum(case when med_class in ('inpatient', 'outpatient')
            then psn_part_amt else 0 end) as double) as oop_care,
        cast(sum(case when med_class in ('inpatient', 'outpatient')
            then fulamt_ownpay_amt + overlmt_selfpay else 0 end) as double) as ownpay_care,
        cast(sum(case when med_class in ('inpatient', 'outpatient')
            then fund_pay_sumamt else 0 end) as double) as fund_care,
        cast(sum(case when med_class = 'inpatient' then medfee_sumamt else 0 end) as double)
            as medfee_inpatient,
        cast(sum(case when med_class = 'inpatient' then psn_part_amt else 0 end) as double)
            as oop_inpatient,
        cast(sum(case when med_class = 'outpatient' then psn_part_amt else 0 end) as double)
            as oop_outpatient,
        cast(sum(fund_pay_sumamt) as double) as fund_all,
        cast(sum(case when is_in_district_inst then fund_pay_sumamt else 0 end) as double)
            as fund_in_district,
        cast(sum(case when is_in_district_inst and is_primary_inst
            then fund_pay_sumamt else 0 end) as double) as fund_in_district_primary,
        count(*) as settlements_all,
        count(case when med_class in ('inpatient', 'outpatient') then 1 end) as settlements_care,
        count(case when med_class = 'inpatient' then 1 end) as settlements_inpatient,
        count(case when is_in_district_inst then 1 end) as settlements_in_district
    from settlements
    group by period_type, period_start
),

visits as (
    select
        encounters.period_type,
        encounters.period_start,
        count(*) as encounters_all,
        sum(case when encounters.is_in_district_inst then 1 else 0 end) as encounters_in_district,
        sum(case when encounters.encounter_class = 'inpatient' then 1 else 0 end) as inpatient_all,
        sum(case when encounters.encounter_class = 'inpatient' and encounters.is_in_district_inst
            then 1 else 0 end) as inpatient_in_district,
        sum(case when encounters.encounter_class = 'outpatient' then 1 else 0 end)
            as outpatient_all,
        sum(case when encounters.encounter_class = 'outpatient' and encounters.is_in_district_inst
            then 1 else 0 end) as outpatient_in_district,
        sum(case when encounters.encounter_class = 'inpatient'
            and not encounters.is_in_district_inst then 1 else 0 end) as outflow_encounters,
        sum(case when referred_outflow.mdtrt_id is not null then 1 else 0 end)
            as outflow_referred,
        count(distinct case when encounters.encounter_class = 'inpatient'
            then encounters.person_key end) as inpatient_persons,
        count(distinct case when encounters.encounter_class = 'inpatient'
            and not encounters.is_in_district_inst then encounters.person_key end)
            as outflow_persons
    from encounters
    left join referred_outflow
        on encounters.mdtrt_id = referred_outflow.mdtrt_id
    group by encounters.period_type, encounters.period_start
),

periods as (
    select
        money.*,
        coalesce(visits.encounters_all, 0) as encounters_all,
        coalesce(visits.encounters_in_district, 0) as encounters_in_district,
        coalesce(visits.inpatient_all, 0) as inpatient_all,
        coalesce(visits.inpatient_in_district, 0) as inpatient_in_district,
        coalesce(visits.outpatient_all, 0) as outpatient_all,
        coalesce(visits.outpatient_in_district, 0) as outpatient_in_district,
        coalesce(visits.outflow_encounters, 0) as outflow_encounters,
        coalesce(visits.outflow_referred, 0) as outflow_referred,
        coalesce(visits.inpatient_persons, 0) as inpatient_persons,
        coalesce(visits.outflow_persons, 0) as outflow_persons,
        earlier.medfee_all as medfee_all_year_earlier
    from money
    left join visits
        on money.period_type = visits.period_type
        and money.period_start = visits.period_start
    left join money as earlier
        on money.period_type = earlier.period_type
        and earlier.period_start = cast({{ dbt.dateadd('year', -1, 'money.period_start') }} as date)
),

metric_rows as (
    {#- (metric, numerator, denominator, how many of the rows the denominator is over) #}
    {%- set ratios = [
        ('in_district_rate_inpatient', 'inpatient_in_district', 'inpatient_all', 'inpatient_all'),
        ('in_district_rate_outpatient', 'outpatient_in_district', 'outpatient_all',
            'outpatient_all'),
        ('in_district_rate', 'encounters_in_district', 'encounters_all', 'encounters_all'),
        ('oop_ratio', 'oop_care', 'medfee_care', 'settlements_care'),
        ('oop_ratio_inpatient', 'oop_inpatient', 'medfee_inpatient', 'settlements_inpatient'),
        ('oop_per_inpatient_encounter', 'oop_inpatient', 'inpatient_all', 'inpatient_all'),
        ('oop_per_outpatient_encounter', 'oop_outpatient', 'outpatient_all', 'outpatient_all'),
        ('ownpay_ratio', 'ownpay_care', 'medfee_care', 'settlements_care'),
        ('outflow_rate', 'outflow_persons', 'inpatient_persons', 'inpatient_persons'),
        ('outflow_referred_share', 'outflow_referred', 'outflow_encounters',
            'outflow_encounters'),
        ('in_district_fund_share', 'fund_in_district', 'fund_all', 'settlements_all'),
        ('primary_fund_share', 'fund_in_district_primary', 'fund_in_district',
            'settlements_in_district'),
        ('reimbursement_ratio', 'fund_care', 'medfee_care', 'settlements_care'),
    ] %}
    {%- for code, numerator, denominator, base_rows in ratios %}
    select
        '{{ code }}' as metric_code, period_type, period_start,
        cast({{ numerator }} as double) as numerator,
        cast({{ denominator }} as double) as denominator,
        {{ safe_ratio(numerator, denominator) }} as value
    from periods
    where {{ base_rows }} > 0
    union all
    {%- endfor %}
    {%- for code, count_column in [('outflow_persons', 'outflow_persons'),
                                   ('outflow_encounters', 'outflow_encounters')] %}
    select
        '{{ code }}' as metric_code, period_type, period_start,
        cast(null as double) as numerator,
        cast(null as double) as denominator,
        cast({{ count_column }} as double) as value
    from periods
    where {{ count_column }} > 0
    union all
    {%- endfor %}
    select
        'medical_cost_growth' as metric_code, period_type, period_start,
        medfee_all as numerator,
        medfee_all_year_earlier as denominator,
        {{ safe_ratio('medfee_all', 'medfee_all_year_earlier') }} - 1 as value
    from periods
)

select
    metric_rows.metric_code,
    metric_rows.period_type,
    metric_rows.period_start,
    'district' as scope_type,
    district.district_code as scope_code,
    metric_rows.numerator,
    metric_rows.denominator,
    metric_rows.value
from metric_rows
cross join district
