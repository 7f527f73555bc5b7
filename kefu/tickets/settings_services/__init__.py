"""Writes of the after-sales settings pages: SLA policies, business calendars and holidays, TicketSettings.

Every write checks ``TICKET_SETTINGS_WRITE``, validates with translated messages, changes nothing
when refused, and leaves an audit row. Running SLA clocks keep their due instants: a policy
already used by a clock is never rewritten; changing its targets retires it and creates its
successor, which applies to tickets opened afterwards. The detector preview only reads.
"""

from .calendars import (
    HolidayImport,
    HolidayLine,
    business_calendar_save,
    holiday_add,
    holiday_remove,
    holidays_import,
    holidays_parse,
)
from .sla_policies import (
    CoverageCell,
    sla_policy_coverage,
    sla_policy_deactivate,
    sla_policy_save,
)
from .ticket_settings import (
    SETTINGS_BOUNDS,
    SurgePreview,
    incidents_preview,
    ticket_settings_config,
    ticket_settings_save,
)

__all__ = [
    "SETTINGS_BOUNDS",
    "CoverageCell",
    "HolidayImport",
    "HolidayLine",
    "SurgePreview",
    "business_calendar_save",
    "holiday_add",
    "holiday_remove",
    "holidays_import",
    "holidays_parse",
    "incidents_preview",
    "sla_policy_coverage",
    "sla_policy_deactivate",
    "sla_policy_save",
    "ticket_settings_config",
    "ticket_settings_save",
]
