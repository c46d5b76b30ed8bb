"""Delivery days: one daily partition per business day a folder can be delivered for."""

from __future__ import annotations

import os

from dagster import DailyPartitionsDefinition

START_DATE_ENV = "CONSORTIUM_START_DATE"
DEFAULT_START_DATE = "2023-01-01"


def delivery_start_date() -> str:
    return os.environ.get(START_DATE_ENV) or DEFAULT_START_DATE


# end_offset=1: today's folder is a valid partition (a delivery may arrive during its day).
DELIVERY_DAYS = DailyPartitionsDefinition(start_date=delivery_start_date(), end_offset=1)
