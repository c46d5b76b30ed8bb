-- Family-doctor metrics (scopes: district, township of the contract). Contracts are taken as
-- of the period's last day d. The periods are those of every month from the first contract
-- delivery to the last (a contract's first or latest version): contracts signed long before
-- the first delivery do not open periods the extract never covered, and a month without a
-- delivery inside that span is still a month the extract covers. A township has a row when it
-- holds a contract on d.
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
    {{ metric_period_types() }}
),

contracts as (
    select * from {{ ref('fct_fd_contracts') }}
),

delivery_span as (
    select
        cast({{ dbt.date_trunc('month', 'min(first_delivery_date)') }} as date) as first_month,
        cast({{ dbt.date_trunc('month', 'max(last_delivery_date)') }} as date) as last_month
    from contracts
),

-- 0 … 999 months, built from digits so it runs on DuckDB and Spark alike.
digits as (
    select 0 as d union all select 1 union all select 2 union all select 3 union all select 4
    union all select 5 union all select 6 union all select 7 union all select 8 union all select 9
),

month_offsets as (
    select ones.d + 10 * tens.d + 100 * hundreds.d as n
    from digits as ones cross join digits as tens cross join digits as hundreds
),

contract_days as (
    select cast({{ dbt.dateadd('month', 'month_offsets.n', 'delivery_span.first_month') }} as date)
        as contract_day
    from delivery_span
    cross join month_offsets
    where month_offsets.n <= {{ dbt.datediff('delivery_span.first_month',
        'delivery_span.last_month', 'month') }}
),

periods as (
    select distinct
        period_types.period_type,
        {{ period_start('period_types.period_type', 'contract_days.contract_day') }} as period_start
    from contract_days
    cross join period_types
),

periods_with_end as (
    select
        period_type,
        period_start,
        {{ period_end('period_type', 'period_start') }} as period_end
    from periods
),

-- Who holds a contract, and whether it was served, depends only on the period's last day:
-- the month, quarter and year ending on the same day share one snapshot.
snapshot_days as (
    select distinct period_end from periods_with_end
),

held as (
    select
        snapshot_days.period_end,
        contracts.contract_id,
        contracts.person_key,
        contracts.township_code,
        district.district_code,
        case when {{ age_in_years('contracts.birth_date', 'snapshot_days.period_end') }}
            >= thresholds.elderly_age then 1 else 0 end as is_elderly,
        case when contracts.start_date <= {{ add_days('snapshot_days.period_end',
            '-cast(thresholds.fulfilment_min_contract_days as integer)') }}
            then 1 else 0 end as is_fulfilment_eligible
    from snapshot_days
    inner join contracts
        on contracts.held_from <= snapshot_days.period_end
        and contracts.held_to >= snapshot_days.period_end
    cross join district
    cross join thresholds
),

-- A held contract is fulfilled when it is eligible and has a service in the window ending on
-- the snapshot day. Each service is matched to the snapshot days whose window holds it (the
-- days are month ends: a service falls in the 90-day windows of up to four of them), then to
-- the held contracts by key. One form for both engines: on the city year it is faster than
-- DuckDB's as-of lookup of each held contract's latest service, which Spark does not have
-- (docs/performance.md).
served_on as (
    select distinct
        services.contract_id,
        snapshot_days.period_end
    from {{ ref('fct_fd_services') }} as services
    cross join thresholds
    inner join snapshot_days
        on services.service_date <= snapshot_days.period_end
        and services.service_date >= {{ add_days('snapshot_days.period_end',
            '1 - cast(thresholds.fulfilment_window_days as integer)') }}
),

held_flagged as (
    select
        held.*,
        case when held.is_fulfilment_eligible = 1 and served_on.contract_id is not null
            then 1 else 0 end as is_fulfilled
    from held
    left join served_on
        on held.contract_id = served_on.contract_id
        and held.period_end = served_on.period_end
),

held_scoped as (
    {{ fan_out_scopes('held_flagged', ['district', 'township']) }}
),

-- Holders first, then counts: one group by instead of two distinct aggregates, each of which
-- DuckDB deduplicates on its own (the city query's CPU 19-23 s against 17-20 s).
held_persons as (
    select
        period_end,
        scope_type,
        scope_code,
        person_key,
        max(is_elderly) as is_elderly,
        sum(is_fulfilment_eligible) as eligible_contracts,
        sum(is_fulfilled) as fulfilled_contracts
    from held_scoped
    group by period_end, scope_type, scope_code, person_key
),

-- count(person_key): a contract without a person key holds nobody, as in a distinct count.
held_counts as (
    select
        period_end,
        scope_type,
        scope_code,
        count(person_key) as signed_persons,
        count(case when is_elderly = 1 then person_key end) as signed_elderly_persons,
        sum(eligible_contracts) as eligible_contracts,
        sum(fulfilled_contracts) as fulfilled_contracts
    from held_persons
    group by period_end, scope_type, scope_code
),

population as (
    select
        population.population_year,
        population.township_code,
        sum(population.population) as population,
        sum(case when population.age >= thresholds.elderly_age then population.population
            else 0 end) as population_elderly
    from {{ ref('stg_ref__population') }} as population
    cross join thresholds
    group by population.population_year, population.township_code
),

population_scoped as (
    select population_year, 'district' as scope_type, district.district_code as scope_code,
        sum(population) as population, sum(population_elderly) as population_elderly
    from population
    cross join district
    group by population_year, district.district_code
    union all
    select population_year, 'township' as scope_type, township_code as scope_code,
        population, population_elderly
    from population
),

snapshot_rows as (
    select
        periods_with_end.period_type,
        periods_with_end.period_start,
        periods_with_end.period_end,
        'district' as scope_type,
        district.district_code as scope_code
    from periods_with_end
    cross join district
    union all
    select
        periods_with_end.period_type,
        periods_with_end.period_start,
        periods_with_end.period_end,
        'township',
        held_townships.township_code
    from periods_with_end
    inner join (
        select distinct period_end, township_code
        from held
        where township_code is not null
    ) as held_townships
        on periods_with_end.period_end = held_townships.period_end
),

snapshots as (
    select
        snapshot_rows.*,
        coalesce(held_counts.signed_persons, 0) as signed_persons,
        coalesce(held_counts.signed_elderly_persons, 0) as signed_elderly_persons,
        coalesce(held_counts.eligible_contracts, 0) as eligible_contracts,
        coalesce(held_counts.fulfilled_contracts, 0) as fulfilled_contracts,
        population_scoped.population,
        population_scoped.population_elderly
    from snapshot_rows
    left join held_counts
        on snapshot_rows.period_end = held_counts.period_end
        and snapshot_rows.scope_type = held_counts.scope_type
        and snapshot_rows.scope_code = held_counts.scope_code
    left join population_scoped
        on population_scoped.population_year = extract(year from snapshot_rows.period_end)
        and snapshot_rows.scope_type = population_scoped.scope_type
        and snapshot_rows.scope_code = population_scoped.scope_code
),

-- Outpatient encounters of people holding a contract on the encounter date, once per township
-- of a contract held that day (as fd_signing_rate counts a holder in each township whose
-- contract they hold) and once in the district.
contracted_visits as (
    select distinct
        encounters.mdtrt_id,
        encounters.encounter_date,
        encounters.is_primary_inst,
        contracts.township_code,
        district.district_code
    from {{ ref('fct_encounters') }} as encounters
    inner join contracts
        on encounters.person_key = contracts.person_key
        and contracts.held_from <= encounters.encounter_date
        and contracts.held_to >= encounters.encounter_date
    cross join district
    where encounters.encounter_class = 'outpatient'
),

-- One row per encounter and scope: an encounter of a holder of two townships' contracts is
-- one row in the district. Deduplicated before the fan-out to period types (an encounter has
-- one date, so one period of each type): three times fewer rows to deduplicate.
contracted_visits_scoped as (
    select distinct
        mdtrt_id, encounter_date, is_primary_inst,
        'district' as scope_type, district_code as scope_code
    from contracted_visits
    union all
    select
        mdtrt_id, encounter_date, is_primary_inst,
        'township' as scope_type, township_code as scope_code
    from contracted_visits
    where township_code is not null
),

contracted_visits_dated as (
    select
        period_types.period_type,
        {{ period_start('period_types.period_type', 'contracted_visits_scoped.encounter_date') }}
            as period_start,
        contracted_visits_scoped.*
    from contracted_visits_scoped
    cross join period_types
),

contracted_visit_counts as (
    select
        period_type,
        period_start,
        scope_type,
        scope_code,
        sum(case when is_primary_inst then 1 else 0 end) as primary_visits,
        count(*) as visits
    from contracted_visits_dated
    group by period_type, period_start, scope_type, scope_code
)

select
    'fd_signing_rate' as metric_code, period_type, period_start, scope_type, scope_code,
    cast(signed_persons as double) as numerator,
    cast(population as double) as denominator,
    {{ safe_ratio('signed_persons', 'population') }} as value
from snapshots
union all
select
    'fd_elderly_signing_rate', period_type, period_start, scope_type, scope_code,
    cast(signed_elderly_persons as double),
    cast(population_elderly as double),
    {{ safe_ratio('signed_elderly_persons', 'population_elderly') }}
from snapshots
union all
select
    'fd_fulfilment_rate', period_type, period_start, scope_type, scope_code,
    cast(fulfilled_contracts as double),
    cast(eligible_contracts as double),
    {{ safe_ratio('fulfilled_contracts', 'eligible_contracts') }}
from snapshots
union all
select
    'fd_contracted_primary_visit_share', period_type, period_start, scope_type, scope_code,
    cast(primary_visits as double),
    cast(visits as double),
    {{ safe_ratio('primary_visits', 'visits') }}
from contracted_visit_counts
