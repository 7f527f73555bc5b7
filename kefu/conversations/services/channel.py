"""The channel API: messages of customers on other platforms (a shop's Taobao or JD desk) relayed by an integration."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from kefu.accounts.models import User
from kefu.accounts.permissions import Capability, permission_require
from kefu.customers.models import Customer, CustomerIdentity
from kefu.inboxes.enums import ChannelType
from kefu.inboxes.models import Inbox

from ..errors import ChatError
from ..models import Message
from .messages import customer_message_receive, message_content_clean


def channel_customer_resolve(*, platform: str, external_id: str, name: str = "") -> Customer:
    """Find the customer by their platform identity, or create them with it (the same person across channels)."""
    identity = CustomerIdentity.objects.select_related("customer").filter(platform=platform, external_id=external_id).first()
    if identity:
        return identity.customer
    try:
        with transaction.atomic():
            customer = Customer.objects.create(name=name[:64])
            CustomerIdentity.objects.create(customer=customer, platform=platform, external_id=external_id)
            return customer
    except IntegrityError:  # created at the same moment by another request
        return CustomerIdentity.objects.select_related("customer").get(platform=platform, external_id=external_id).customer


def channel_message_receive(
    *, inbox: Inbox, actor: User | None, platform: str, external_id: str, name: str, body: object, client_id: str, attachments: object = ()
) -> tuple[Message, bool]:
    """Store a customer's message relayed from another platform; the answer is read back by polling the conversation."""
    permission_require(actor, Capability.CUSTOMER_WRITE)
    if inbox.channel not in (ChannelType.API, ChannelType.EMAIL, ChannelType.PHONE) or not inbox.is_active:
        raise ChatError("invalid", _("Messages can be relayed only into an active API, e-mail or phone inbox."))
    message_content_clean(body, list(attachments) if isinstance(attachments, tuple) else attachments, client_id)
    customer = channel_customer_resolve(platform=platform, external_id=external_id, name=name)
    return customer_message_receive(inbox=inbox, customer=customer, body=body, attachments=attachments, client_id=client_id)
