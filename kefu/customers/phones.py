"""The one form phone numbers are stored and matched in, whatever way they were written.

The API, the import and (later) the widget's "identify by phone" all go through
phone_canonical, so "+86 138-1234-5678" from one and "13812345678" from another are the
same customer.
"""

import re

CHINA_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_SEPARATORS = re.compile(r"[\s\-()（）.]")


def phone_canonical(raw: str) -> str:
    """Drop separators, and a +86 / 0086 prefix before a mainland mobile number."""
    compact = _SEPARATORS.sub("", raw or "")
    for prefix in ("+86", "0086"):
        if compact.startswith(prefix) and CHINA_MOBILE.match(compact[len(prefix) :]):
            return compact[len(prefix) :]
    return compact
