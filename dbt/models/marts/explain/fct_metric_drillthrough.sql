-- Why this number, served: the rows of explain_drillthrough_rows (the contribution rows of the
-- latest `drillthrough_months` months, default 1), materialised in marts so the publish copies
-- it and the Superset dataset 「指标溯源明细」 can filter metric × month × scope. Every period
-- stays with `make explain` on the warehouse: served whole, each source row would be copied
-- dozens of times (docs/budget.md).
-- Over a table already built, only the rows that changed are written, since writing twenty
-- million city rows costs twice what computing them does (strategy replace_changed_rows). When
-- the window moved to a new month every row changes, and when a quarter of the stored rows are
-- deleted ones the table is due a clean copy: then the pre-hook writes the table whole from the
-- view instead, and there is nothing left to compare.
{{ config(materialized=incremental_materialization(),
          incremental_strategy='replace_changed_rows',
          pre_hook="{{ rewrite_whole_when(is_incremental() and drillthrough_written_whole(),
                                          ref('explain_drillthrough_rows')) }}") }}
-- depends_on: {{ ref('metric_values') }}
{%- if is_incremental() and not drillthrough_written_whole() %}
{{ changed_rows(ref('explain_drillthrough_rows')) }}
{%- elif is_incremental() %}
select *, cast(null as ubigint) as row_hash, cast(null as ubigint) as served_hash
from {{ ref('explain_drillthrough_rows') }}
where false
{%- else %}
select * from {{ ref('explain_drillthrough_rows') }}
{%- endif %}
