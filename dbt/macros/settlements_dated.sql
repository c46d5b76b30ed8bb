{#- Settlements that count in money, each dated by its encounter's date (so all of an
    encounter's money falls in one period), or by its own enddate outside any encounter: the
    body of int_settlements_dated. The wide columns (money, diagnosis, insurance ids) come from
    staging here rather than through int_settlements_netted: that table keeps only what the
    netting and its readers need, so the city year's 8 M wide rows are written once, by
    fct_settlements.

    setl_ids: a query of the settlements to date (fct_settlements' incremental build), applied
    to both inputs before they are joined. Picked from the view's output instead, the join ran
    over every settlement first: 5.9 s against 2.4 s for a city day's 27,000 keys. -#}
{% macro settlements_dated(setl_ids=none) -%}
with settlements as (
    select * from {{ ref('stg_insurance__settlements') }}
    {%- if setl_ids is not none %}
    where setl_id in ({{ setl_ids }})
    {%- endif %}
),

netted as (
    select * from {{ ref('int_settlements_netted') }}
    {%- if setl_ids is not none %}
    where setl_id in ({{ setl_ids }})
    {%- endif %}
),

encounters as (
    select mdtrt_id, encounter_date
    from {{ ref('int_encounters') }}
    where is_encounter
)

select
    netted.setl_id,
    netted.mdtrt_id,
    netted.delivered_mdtrt_id,
    netted.person_key,
    settlements.insurance_person_key,
    netted.sex,
    netted.birth_date,
    settlements.insutype,
    netted.insu_admdvs,
    netted.inst_code,
    settlements.fix_blng_admdvs,
    netted.med_type,
    netted.med_class,
    netted.begndate,
    netted.enddate,
    netted.setl_time,
    {%- for money in ['medfee_sumamt', 'fulamt_ownpay_amt', 'overlmt_selfpay', 'preselfpay_amt',
                      'inscp_scp_amt', 'hifp_pay', 'hifmi_pay', 'hifob_pay', 'cvlserv_pay',
                      'maf_pay', 'oth_pay', 'fund_pay_sumamt', 'acct_pay', 'psn_cash_pay',
                      'psn_part_amt'] %}
    settlements.{{ money }},
    {%- endfor %}
    settlements.refd_setl_flag,
    settlements.init_setl_id,
    settlements.dise_no,
    settlements.dise_name,
    settlements.vali_flag,
    netted.settlement_status,
    netted.is_valid,
    netted.counts_in_money,
    netted.is_orphan_reversal,
    netted.is_district_resident,
    netted.is_in_district_inst,
    netted.is_primary_inst,
    settlements._delivery_date,
    settlements._loaded_at,
    coalesce(encounters.encounter_date, netted.enddate) as effective_date,
    encounters.mdtrt_id is not null as belongs_to_encounter
from netted
inner join settlements
    on netted.setl_id = settlements.setl_id
left join encounters
    on netted.mdtrt_id = encounters.mdtrt_id
{%- endmacro %}
