{# The contract, population and settlement rows behind each family-doctor metric of
   metric_family_doctor.sql (scopes: district, township), for the periods it publishes: the same
   facts (fct_fd_contracts, fct_fd_services, fct_encounters, population), the same "held on the
   period's last day" rule and the same thresholds.
   window_start: see explain_period_types (period_window.sql). #}
{% macro explain_contributions__family_doctor(window_start=none) -%}
with thresholds as (
    select
        max(case when threshold_code = 'elderly_age' then threshold_value end) as elderly_age,
        max(case when threshold_code = 'fulfilment_window_days' then threshold_value end)
            as fulfilment_window_days,
        max(case when threshold_code = 'fulfilment_min_contract_days' then threshold_value end)
            as fulfilment_min_contract_days
    from {{ ref('metric_thresholds') }}
),

district as (
    select admdvs as district_code from {{ ref('int_district') }} where is_district_code
),

period_types as (
    {{ explain_period_types(window_start) }}
),

published_periods as (
    select distinct
        period_type,
        period_start,
        {{ period_end('period_type', 'period_start') }} as period_end
    from {{ ref('metric_values') }}
    where metric_code in ('fd_signing_rate', 'fd_elderly_signing_rate', 'fd_fulfilment_rate')
    {%- if window_start is not none %}
        and period_type = 'month'
        and period_start >= {{ window_start }}
    {%- endif %}
),

held as (
    select
        published_periods.period_type,
        published_periods.period_start,
        published_periods.period_end,
        contracts.contract_id,
        contracts.person_key,
        contracts.township_code,
        district.district_code,
        case when {{ age_in_years('contracts.birth_date', 'published_periods.period_end') }}
            >= thresholds.elderly_age then 1 else 0 end as is_elderly,
        case when contracts.start_date <= {{ add_days('published_periods.period_end',
            '-cast(thresholds.fulfilment_min_contract_days as integer)') }}
            then 1 else 0 end as is_fulfilment_eligible
    from published_periods
    inner join {{ ref('fct_fd_contracts') }} as contracts
        on contracts.held_from <= published_periods.period_end
        and contracts.held_to >= published_periods.period_end
    cross join district
    cross join thresholds
),

served as (
    select
        held.period_type,
        held.period_start,
        held.contract_id,
        count(*) as services_in_window
    from held
    inner join {{ ref('fct_fd_services') }} as services
        on held.contract_id = services.contract_id
    cross join thresholds
    where held.is_fulfilment_eligible = 1
        and services.service_date <= held.period_end
        and services.service_date >= {{ add_days('held.period_end',
            '1 - cast(thresholds.fulfilment_window_days as integer)') }}
    group by held.period_type, held.period_start, held.contract_id
),

held_flagged as (
    select
        held.*,
        coalesce(served.services_in_window, 0) as services_in_window
    from held
    left join served
        on held.period_type = served.period_type
        and held.period_start = served.period_start
        and held.contract_id = served.contract_id
),

held_scoped as (
    {{ fan_out_scopes('held_flagged', ['district', 'township']) }}
),

population as (
    select
        published_periods.period_type,
        published_periods.period_start,
        population.*,
        district.district_code,
        case when population.age >= thresholds.elderly_age then 1 else 0 end as is_elderly
    from published_periods
    inner join {{ ref('explain_lineage__population') }} as population
        on population.population_year = extract(year from published_periods.period_end)
    cross join district
    cross join thresholds
),

population_scoped as (
    {{ fan_out_scopes('population', ['district', 'township']) }}
),

-- Same rule as metric_family_doctor.sql's contracted_visits: once per township of a contract
-- held on the encounter date, once in the district.
contracted_visits as (
    select distinct
        encounters.mdtrt_id,
        encounters.person_key,
        encounters.encounter_date,
        encounters.is_primary_inst,
        contracts.township_code,
        district.district_code
    from {{ ref('fct_encounters') }} as encounters
    inner join {{ ref('fct_fd_contracts') }} as contracts
        on encounters.person_key = contracts.person_key
        and contracts.held_from <= encounters.encounter_date
        and contracts.held_to >= encounters.encounter_date
    cross join district
    where encounters.encounter_class = 'outpatient'
        {{- explain_dated_since('encounters.encounter_date', window_start) }}
),

contracted_visits_dated as (
    select
        period_types.period_type,
        {{ period_start('period_types.period_type', 'contracted_visits.encounter_date') }}
            as period_start,
        contracted_visits.*
    from contracted_visits
    cross join period_types
),

contracted_visits_scoped as (
    select distinct
        period_type, period_start, mdtrt_id, person_key, is_primary_inst,
        'district' as scope_type, district_code as scope_code
    from contracted_visits_dated
    union all
    select
        period_type, period_start, mdtrt_id, person_key, is_primary_inst,
        'township' as scope_type, township_code as scope_code
    from contracted_visits_dated
    where township_code is not null
),

contract_rows as (
    {%- set contract_parts = [
        ('fd_signing_rate', 'numerator', 'true', 'person_key'),
        ('fd_elderly_signing_rate', 'numerator', 'is_elderly = 1', 'person_key'),
        ('fd_fulfilment_rate', 'numerator',
            'is_fulfilment_eligible = 1 and services_in_window > 0', 'contract_id'),
        ('fd_fulfilment_rate', 'denominator', 'is_fulfilment_eligible = 1', 'contract_id'),
    ] %}
    {%- for code, role, condition, count_key in contract_parts %}
    select
        '{{ code }}' as metric_code,
        held_scoped.period_type,
        held_scoped.period_start,
        held_scoped.scope_type,
        held_scoped.scope_code,
        '{{ role }}' as role,
        'contract_id:' || held_scoped.contract_id as row_key,
        held_scoped.person_key,
        cast(1 as double) as contribution,
        held_scoped.{{ count_key }} as count_key,
        'count_distinct' as aggregation,
        'phs' as source_system,
        'fd_contracts' as source_table,
        lineage.source_file,
        lineage.source_line,
        lineage.delivery_date,
        'held on ' || cast(held_scoped.period_end as string) || ', services in window: '
            || cast(held_scoped.services_in_window as string) as note
    from held_scoped
    left join {{ ref('explain_lineage__fd_contracts') }} as lineage
        on held_scoped.contract_id = lineage.contract_id
    where {{ condition }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

population_rows as (
    {%- for code, condition in [('fd_signing_rate', 'true'),
                                 ('fd_elderly_signing_rate', 'is_elderly = 1')] %}
    select
        '{{ code }}' as metric_code,
        period_type,
        period_start,
        scope_type,
        scope_code,
        'denominator' as role,
        'population:' || cast(population_year as string) || '/' || township_code || '/'
            || sex || '/' || cast(age as string) as row_key,
        cast(null as string) as person_key,
        cast(population as double) as contribution,
        cast(null as string) as count_key,
        'sum' as aggregation,
        'ref' as source_system,
        'ref_population' as source_table,
        source_file,
        source_line,
        delivery_date,
        'population ' || cast(population_year as string) as note
    from population_scoped
    where {{ condition }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

{%- if window_start is none %}

settlement_lineage as (
    select * from {{ ref('explain_lineage__settlements') }}
),
{%- else %}

settlement_lineage as (
    {{ explain_lineage_rows(source('insurance', 'settlements'), ['setl_id'],
        wanted_keys='select settlements.setl_id from ' ~ ref('fct_settlements')
            ~ ' as settlements inner join contracted_visits'
            ~ ' on settlements.mdtrt_id = contracted_visits.mdtrt_id') }}
),
{%- endif %}

visit_rows as (
    select
        'fd_contracted_primary_visit_share' as metric_code,
        visits.period_type,
        visits.period_start,
        visits.scope_type,
        visits.scope_code,
        roles.role,
        'setl_id:' || settlements.setl_id as row_key,
        visits.person_key,
        cast(1 as double) as contribution,
        visits.mdtrt_id as count_key,
        'count_distinct' as aggregation,
        'insurance' as source_system,
        'settlements' as source_table,
        lineage.source_file,
        lineage.source_line,
        lineage.delivery_date,
        'outpatient encounter ' || visits.mdtrt_id as note
    from contracted_visits_scoped as visits
    inner join (
        select 'numerator' as role union all select 'denominator' as role
    ) as roles
        on roles.role = 'denominator' or visits.is_primary_inst
    inner join {{ ref('fct_settlements') }} as settlements
        on visits.mdtrt_id = settlements.mdtrt_id
        and settlements.is_valid
    left join settlement_lineage as lineage
        on settlements.setl_id = lineage.setl_id
)

select * from contract_rows
union all
select * from population_rows
union all
select * from visit_rows
{%- endmacro %}
