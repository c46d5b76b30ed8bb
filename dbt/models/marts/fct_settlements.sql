-- Every settlement with its netting status and the date its money counts on.
select * from {{ ref('int_settlements_dated') }}
