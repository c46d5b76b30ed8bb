{# The settlement rows behind each insurance metric of metric_settlements.sql (scope: district):
   the same facts (fct_settlements, fct_encounters, fct_referrals), the same flags and the same
   period rule. Encounter counts list every valid settlement of each counted encounter
   (count_key = mdtrt_id); person counts the same rows keyed by person; money sums every
   settlement that counts in money (a cancelled original and its reversal both appear, netting).
   window_start: see explain_period_types (period_window.sql). #}
{% macro explain_contributions__settlements(window_start=none) -%}
with thresholds as (
    select max(case when threshold_code = 'referral_window_days' then threshold_value end)
        as referral_window_days
    from {{ ref('metric_thresholds') }}
),

district as (
    select admdvs as district_code from {{ ref('int_district') }} where is_district_code
),

period_types as (
    {{ explain_period_types(window_start) }}
),

money as (
    select
        period_types.period_type,
        {{ period_start('period_types.period_type', 'settlements.effective_date') }} as period_start,
        settlements.setl_id,
        settlements.mdtrt_id,
        settlements.person_key,
        settlements.med_class,
        settlements.settlement_status,
        settlements.is_in_district_inst,
        settlements.is_primary_inst,
        cast(settlements.medfee_sumamt as double) as medfee_sumamt,
        cast(settlements.psn_part_amt as double) as psn_part_amt,
        cast(settlements.fulamt_ownpay_amt + settlements.overlmt_selfpay as double) as ownpay_amt,
        cast(settlements.fund_pay_sumamt as double) as fund_pay_sumamt
    from {{ ref('fct_settlements') }} as settlements
    cross join period_types
    where settlements.counts_in_money
        and settlements.is_district_resident
        {{- explain_dated_since('settlements.effective_date', window_start) }}
),

-- Same rule as metric_settlements.sql's referred_outflow.
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
        {{- explain_dated_since('encounters.encounter_date', window_start) }}
),

encounter_rows as (
    select
        period_types.period_type,
        {{ period_start('period_types.period_type', 'encounters.encounter_date') }}
            as period_start,
        encounters.mdtrt_id,
        encounters.encounter_class,
        encounters.person_key,
        encounters.is_in_district_inst,
        referred_outflow.mdtrt_id is not null as is_referred_outflow,
        settlements.setl_id
    from {{ ref('fct_encounters') }} as encounters
    inner join {{ ref('fct_settlements') }} as settlements
        on encounters.mdtrt_id = settlements.mdtrt_id
        and settlements.is_valid
    left join referred_outflow
        on encounters.mdtrt_id = referred_outflow.mdtrt_id
    cross join period_types
    where encounters.is_district_resident
        {{- explain_dated_since('encounters.encounter_date', window_start) }}
),

{#- (metric, role, condition, count key) over encounter_rows -#}
{%- set encounter_parts = [
    ('in_district_rate', 'numerator', 'is_in_district_inst', 'mdtrt_id'),
    ('in_district_rate', 'denominator', 'true', 'mdtrt_id'),
    ('in_district_rate_inpatient', 'numerator',
        "encounter_class = 'inpatient' and is_in_district_inst", 'mdtrt_id'),
    ('in_district_rate_inpatient', 'denominator', "encounter_class = 'inpatient'", 'mdtrt_id'),
    ('in_district_rate_outpatient', 'numerator',
        "encounter_class = 'outpatient' and is_in_district_inst", 'mdtrt_id'),
    ('in_district_rate_outpatient', 'denominator', "encounter_class = 'outpatient'", 'mdtrt_id'),
    ('outflow_rate', 'numerator',
        "encounter_class = 'inpatient' and not is_in_district_inst", 'person_key'),
    ('outflow_rate', 'denominator', "encounter_class = 'inpatient'", 'person_key'),
    ('outflow_referred_share', 'numerator', 'is_referred_outflow', 'mdtrt_id'),
    ('outflow_referred_share', 'denominator',
        "encounter_class = 'inpatient' and not is_in_district_inst", 'mdtrt_id'),
    ('outflow_persons', 'numerator',
        "encounter_class = 'inpatient' and not is_in_district_inst", 'person_key'),
    ('outflow_encounters', 'numerator',
        "encounter_class = 'inpatient' and not is_in_district_inst", 'mdtrt_id'),
    ('oop_per_inpatient_encounter', 'denominator', "encounter_class = 'inpatient'", 'mdtrt_id'),
    ('oop_per_outpatient_encounter', 'denominator', "encounter_class = 'outpatient'",
        'mdtrt_id'),
] %}
{#- (metric, role, amount, condition) over money -#}
{%- set care = "med_class in ('inpatient', 'outpatient')" %}
{%- set money_parts = [
    ('oop_ratio', 'numerator', 'psn_part_amt', care),
    ('oop_ratio', 'denominator', 'medfee_sumamt', care),
    ('oop_ratio_inpatient', 'numerator', 'psn_part_amt', "med_class = 'inpatient'"),
    ('oop_ratio_inpatient', 'denominator', 'medfee_sumamt', "med_class = 'inpatient'"),
    ('oop_per_inpatient_encounter', 'numerator', 'psn_part_amt', "med_class = 'inpatient'"),
    ('oop_per_outpatient_encounter', 'numerator', 'psn_part_amt', "med_class = 'outpatient'"),
    ('ownpay_ratio', 'numerator', 'ownpay_amt', care),
    ('ownpay_ratio', 'denominator', 'medfee_sumamt', care),
    ('reimbursement_ratio', 'numerator', 'fund_pay_sumamt', care),
    ('reimbursement_ratio', 'denominator', 'medfee_sumamt', care),
    ('in_district_fund_share', 'numerator', 'fund_pay_sumamt', 'is_in_district_inst'),
    ('in_district_fund_share', 'denominator', 'fund_pay_sumamt', 'true'),
    ('primary_fund_share', 'numerator', 'fund_pay_sumamt',
        'is_in_district_inst and is_primary_inst'),
    ('primary_fund_share', 'denominator', 'fund_pay_sumamt', 'is_in_district_inst'),
] %}

contributions as (
    {%- for code, role, condition, count_key in encounter_parts %}
    select
        '{{ code }}' as metric_code,
        period_type,
        period_start,
        '{{ role }}' as role,
        setl_id,
        person_key,
        cast(1 as double) as contribution,
        {{ count_key }} as count_key,
        'count_distinct' as aggregation,
        encounter_class || ' encounter ' || mdtrt_id as note
    from encounter_rows
    where {{ condition }}
    union all
    {%- endfor %}
    {%- for code, role, amount, condition in money_parts %}
    select
        '{{ code }}' as metric_code,
        period_type,
        period_start,
        '{{ role }}' as role,
        setl_id,
        person_key,
        {{ amount }} as contribution,
        setl_id as count_key,
        'sum' as aggregation,
        settlement_status || ' ' || med_class || ' settlement, {{ amount }}' as note
    from money
    where {{ condition }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

{%- if window_start is none %}

lineage as (
    select * from {{ ref('explain_lineage__settlements') }}
)
{%- else %}

{#- The keys of the two row sets the contributions are drawn from, not of `contributions`
    itself: read a second time, DuckDB would hold its rows (ten million on the city month) in
    memory and spill them (docs/performance.md). A key no contribution has is never joined. -#}
lineage as (
    {{ explain_lineage_rows(source('insurance', 'settlements'), ['setl_id'],
        wanted_keys='select setl_id from money union all select setl_id from encounter_rows') }}
)
{%- endif %}

select
    contributions.metric_code,
    contributions.period_type,
    contributions.period_start,
    'district' as scope_type,
    district.district_code as scope_code,
    contributions.role,
    'setl_id:' || contributions.setl_id as row_key,
    contributions.person_key,
    contributions.contribution,
    contributions.count_key,
    contributions.aggregation,
    'insurance' as source_system,
    'settlements' as source_table,
    lineage.source_file,
    lineage.source_line,
    lineage.delivery_date,
    contributions.note
from contributions
cross join district
left join lineage
    on contributions.setl_id = lineage.setl_id
{%- endmacro %}
