{{ config(materialized='view', schema='explain') }}
-- Why this number: one row per metric × period × scope × role × source row, with the row's
-- pseudonymised person key, what it adds (1 or an amount), the key it is counted by, and its
-- system, file and line. A view, evaluated per question: materialised it would hold every
-- source row dozens of times. Read by `make explain` (src/consortium_dw/explain.py).
select * from {{ ref('explain_contributions__settlements') }}
union all
select * from {{ ref('explain_contributions__family_doctor') }}
union all
select * from {{ ref('explain_contributions__institutions') }}
union all
select * from {{ ref('explain_contributions__public_health') }}
