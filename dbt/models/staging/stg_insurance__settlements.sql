with latest as (
    {{ latest_versions(source('insurance', 'settlements'), ['setl_id']) }}
)

select
    setl_id,
    mdtrt_id,
    certno as person_key,
    psn_no as insurance_person_key,
    gend as sex,
    brdy as birth_date,
    insutype,
    insu_admdvs,
    fixmedins_code as inst_code,
    fixmedins_name as inst_name,
    nullif(fix_blng_admdvs, '') as fix_blng_admdvs,
    med_type,
    begndate,
    enddate,
    setl_time,
    {%- for money in ['medfee_sumamt', 'fulamt_ownpay_amt', 'overlmt_selfpay', 'preselfpay_amt',
                      'inscp_scp_amt', 'hifp_pay', 'hifmi_pay', 'hifob_pay', 'cvlserv_pay',
                      'maf_pay', 'oth_pay', 'fund_pay_sumamt', 'acct_pay', 'psn_cash_pay',
                      'psn_part_amt'] %}
    cast({{ money }} as decimal(16, 2)) as {{ money }},
    {%- endfor %}
    refd_setl_flag,
    nullif(init_setl_id, '') as init_setl_id,
    nullif(dise_no, '') as dise_no,
    nullif(dise_name, '') as dise_name,
    vali_flag,
    _delivery_date,
    _loaded_at
from latest
