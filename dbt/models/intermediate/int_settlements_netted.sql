-- Every settlement with its netting status (METRICS.md, "Valid settlement"):
--   valid            an original with vali_flag = 1 that no reversal cancels: counts everywhere
--   cancelled        a valid original cancelled by a reversal: drops out of counts, money nets
--   reversal         the reversal that cancels it: drops out of counts, its negative money nets
--   orphan_reversal  a reversal whose original is unknown: flagged, counted nowhere
--   extra_reversal   a second reversal of an already cancelled original: counted nowhere
--   invalid          vali_flag = 0, or a reversal of an invalid original: counted nowhere
-- Only the columns this table keeps and the netting reads: the money and the other wide
-- columns join in at int_settlements_dated, so fct_settlements is the one wide copy.
-- Incremental (macros/incremental/replace_keys.sql): after a complete build, only the netting
-- groups of int_settlements_affected are netted again; the netting never crosses a group.
{{ config(materialized=incremental_materialization(), incremental_strategy='replace_keys',
          unique_key='setl_id') }}
-- depends_on: {{ ref('int_settlements_affected') }}
{%- set affected_groups %}
    {%- if builds_touched_keys_only() %}
    where {{ netting_group('refd_setl_flag', 'init_setl_id', 'setl_id') }} in (
        select netting_group from {{ ref('int_settlements_affected') }})
    {%- endif %}
{%- endset %}
with settlements as (
    select
        setl_id, mdtrt_id, person_key, sex, birth_date, insu_admdvs, inst_code,
        fix_blng_admdvs, med_type, begndate, enddate, setl_time, vali_flag, refd_setl_flag,
        {{ netting_group('refd_setl_flag', 'init_setl_id', 'setl_id') }} as netting_group,
        _delivery_date, _loaded_at
    from {{ ref('stg_insurance__settlements') }}
    {{ affected_groups }}
),

-- The netting's links apart from the rows above: DuckDB materialises a CTE read more than
-- once, and this one is read twice (originals, reversal_rank).
settlement_links as (
    select setl_id, mdtrt_id, vali_flag, refd_setl_flag, init_setl_id, setl_time
    from {{ ref('stg_insurance__settlements') }}
    {{ affected_groups }}
),

district as (
    select admdvs from {{ ref('int_district') }}
),

institutions as (
    select * from {{ ref('int_institutions') }}
),

originals as (
    select setl_id, mdtrt_id, vali_flag
    from settlement_links
    where refd_setl_flag = 0
),

-- Of several valid reversals of one original, the first one cancels it.
reversal_rank as (
    select
        reversals.setl_id,
        originals.setl_id as matched_setl_id,
        originals.mdtrt_id as original_mdtrt_id,
        originals.vali_flag as original_vali_flag,
        row_number() over (
            partition by reversals.init_setl_id
            order by reversals.setl_time, reversals.setl_id
        ) as reversal_seq
    from settlement_links as reversals
    left join originals
        on reversals.init_setl_id = originals.setl_id
    where reversals.refd_setl_flag = 1
        and reversals.vali_flag = 1
),

cancelled as (
    select matched_setl_id as setl_id
    from reversal_rank
    where matched_setl_id is not null
        and original_vali_flag = 1
        and reversal_seq = 1
),

classified as (
    select
        settlements.*,
        case
            when settlements.refd_setl_flag = 0 and settlements.vali_flag = 1
                and cancelled.setl_id is null then 'valid'
            when settlements.refd_setl_flag = 0 and settlements.vali_flag = 1 then 'cancelled'
            when settlements.refd_setl_flag = 0 then 'invalid'
            when settlements.vali_flag = 0 then 'invalid'
            when reversal_rank.matched_setl_id is null then 'orphan_reversal'
            when reversal_rank.original_vali_flag = 0 then 'invalid'
            when reversal_rank.reversal_seq = 1 then 'reversal'
            else 'extra_reversal'
        end as settlement_status,
        -- A reversal belongs to the encounter of the settlement it cancels.
        coalesce(reversal_rank.original_mdtrt_id, settlements.mdtrt_id) as encounter_mdtrt_id
    from settlements
    left join cancelled
        on settlements.setl_id = cancelled.setl_id
    left join reversal_rank
        on settlements.setl_id = reversal_rank.setl_id
),

netted as (
    select
        classified.setl_id,
        classified.encounter_mdtrt_id as mdtrt_id,
        classified.mdtrt_id as delivered_mdtrt_id,
        classified.person_key,
        classified.sex,
        classified.birth_date,
        classified.insu_admdvs,
        classified.inst_code,
        classified.med_type,
        case
            when classified.med_type in ('21', '22', '23', '24', '25', '52') then 'inpatient'
            when classified.med_type in ('11', '12', '13', '14', '15', '16', '19', '51')
                then 'outpatient'
            else 'other'
        end as med_class,
        classified.begndate,
        classified.enddate,
        classified.setl_time,
        classified.settlement_status,
        classified.settlement_status = 'valid' as is_valid,
        classified.settlement_status in ('valid', 'cancelled', 'reversal') as counts_in_money,
        classified.settlement_status = 'orphan_reversal' as is_orphan_reversal,
        insured_district.admdvs is not null as is_district_resident,
        -- Where the settlement happened: fix_blng_admdvs, else the institution's reference row.
        case
            when classified.fix_blng_admdvs is not null
                then billing_district.admdvs is not null
            else coalesce(institutions.is_in_district, false)
        end as is_in_district_inst,
        coalesce(institutions.is_primary, false) as is_primary_inst,
        classified.netting_group,
        classified._delivery_date,
        classified._loaded_at
    from classified
    left join institutions
        on classified.inst_code = institutions.inst_code
    left join district as insured_district
        on classified.insu_admdvs = insured_district.admdvs
    left join district as billing_district
        on classified.fix_blng_admdvs = billing_district.admdvs
)
{%- if builds_touched_keys_only() %}

-- Every affected settlement; one no longer delivered comes out as a row of nulls: deleted,
-- not inserted.
{{ rows_for_keys('select distinct setl_id from ' ~ ref('int_settlements_affected'), 'netted',
                 ['setl_id']) }}
{%- else %}

select * from netted
{%- endif %}
