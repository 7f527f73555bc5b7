"""Masked phone numbers and addresses for staff without the right to see contact details.

Used by the API schemas and the workbench alike: `phone_for(viewer, phone)` and
`address_for(viewer, address)` show the value in full to users whose
`sees_contact_details` is true (supervisors, administrators, agents with can_view_contact)
and a masked form to everyone else.
"""

import re
from typing import Any

MASK = "****"

# Province-, city- and district-level names at the head of a Chinese address; what follows is
# the street detail that identifies a home and gets masked.
_ADMINISTRATIVE_HEAD = re.compile(
    r"^(?:[^省市区县\d]{1,10}?(?:省|自治区|特别行政区))?"
    r"(?:[^省市区县\d]{1,10}?(?:自治州|地区|盟|市))?"
    r"(?:[^省市区县\d]{1,10}?(?:区|县|旗|市))?"
)
_CJK = re.compile(r"[\u3400-\u9fff]")


def mask_phone(phone: str) -> str:
    """Keep the first three and last four characters: 13812345678 -> 138****5678."""
    phone = (phone or "").strip()
    if not phone:
        return ""
    if len(phone) >= 8:
        return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
    return "*" * (len(phone) - 2) + phone[-2:] if len(phone) > 2 else "*" * len(phone)


def mask_address(address: str) -> str:
    """Keep province, city and district, mask the street detail: 浙江省杭州市西湖区文三路1号 -> 浙江省杭州市西湖区****."""
    address = (address or "").strip()
    if not address:
        return ""
    if _CJK.search(address):
        head = _ADMINISTRATIVE_HEAD.match(address).group(0)
        if head == address:
            return address  # only administrative areas: nothing identifies a home
        return head + MASK
    # Western style "12 Main Street, Springfield, IL": keep the parts after the first comma.
    first, _, rest = address.partition(",")
    return f"{MASK}, {rest.strip()}" if rest.strip() else MASK


def phone_for(viewer: Any, phone: str) -> str:
    """Return the phone number as this viewer may see it."""
    return phone if viewer_sees_contact_details(viewer) else mask_phone(phone)


def address_for(viewer: Any, address: str) -> str:
    """Return the address as this viewer may see it."""
    return address if viewer_sees_contact_details(viewer) else mask_address(address)


def viewer_sees_contact_details(viewer: Any) -> bool:
    return bool(viewer is not None and getattr(viewer, "sees_contact_details", False))
