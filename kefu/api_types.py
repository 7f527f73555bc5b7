"""Value types shared by the REST API's input schemas."""

import datetime
from typing import Annotated

from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import AfterValidator
from pydantic_core import PydanticCustomError


def _storable(value: datetime.datetime) -> datetime.datetime:
    """Take a moment as the databases can store it: in UTC, and on the calendar there.

    Python accepts offsets up to ±23:59 and PostgreSQL only to ±15:59; and 0001-01-01T00:00+02:00
    falls off the calendar in UTC. Both used to crash the query (500).
    """
    try:
        return (value if value.tzinfo else timezone.make_aware(value)).astimezone(datetime.UTC)
    except (OverflowError, ValueError):
        raise PydanticCustomError("datetime_range", str(_("Enter a valid date/time."))) from None


Moment = Annotated[datetime.datetime, AfterValidator(_storable)]
