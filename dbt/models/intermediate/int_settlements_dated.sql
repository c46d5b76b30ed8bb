-- A view: its one reader, fct_settlements, is the table (one write of 8 M rows, not two).
-- The select is the macro settlements_dated, which fct_settlements' incremental build runs
-- over the settlements it rebuilds only.
{{ config(materialized='view') }}

{{ settlements_dated() }}
