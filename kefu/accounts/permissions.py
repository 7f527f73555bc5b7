"""What each role may do with shop data: one table, read by the API, the workbench and the CLI."""

from enum import StrEnum

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from .enums import Role
from .models import User


class Capability(StrEnum):
    CUSTOMER_READ = "customer.read"  # list and open customer profiles
    CUSTOMER_WRITE = "customer.write"  # create and edit profiles, add notes
    ORDER_READ = "order.read"
    ORDER_WRITE = "order.write"  # create orders and change their status or shipment
    PRODUCT_READ = "product.read"
    PRODUCT_WRITE = "product.write"  # edit the catalogue
    DATA_IMPORT = "data.import"  # import shop exports and read past import runs
    TICKET_READ = "ticket.read"  # open the tickets of one's teams (all tickets for supervisors)
    TICKET_WRITE = "ticket.write"  # create tickets, reply, change status, tick checklists, take a ticket
    TICKET_ASSIGN = "ticket.assign"  # give a ticket to another agent or team
    PLAYBOOK_WRITE = "playbook.write"  # edit after-sales playbooks
    RETURN_WRITE = "return.write"  # handle returns and exchanges, propose refunds and compensation
    REFUND_APPROVE = "refund.approve"  # approve refunds and compensation above the agents' limit
    COMPENSATION_POLICY_WRITE = "compensation_policy.write"  # edit compensation rules
    ROUTING_WRITE = "routing.write"  # set chat inboxes' business hours, greeting and timers, and teams' routing
    KNOWLEDGE_WRITE = "knowledge.write"  # manage the FAQ, phrase library, forbidden-phrase rules and objection scripts
    TICKET_SETTINGS_WRITE = "ticket_settings.write"  # edit SLA policies, business calendars and holidays, follow-up and incident settings


ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.ADMIN: frozenset(Capability),
    Role.SUPERVISOR: frozenset(
        {
            Capability.CUSTOMER_READ,
            Capability.CUSTOMER_WRITE,
            Capability.ORDER_READ,
            Capability.ORDER_WRITE,
            Capability.PRODUCT_READ,
            Capability.DATA_IMPORT,
            Capability.TICKET_READ,
            Capability.TICKET_WRITE,
            Capability.TICKET_ASSIGN,
            Capability.PLAYBOOK_WRITE,
            Capability.RETURN_WRITE,
            Capability.REFUND_APPROVE,
            Capability.COMPENSATION_POLICY_WRITE,
            Capability.ROUTING_WRITE,
            Capability.KNOWLEDGE_WRITE,
            Capability.TICKET_SETTINGS_WRITE,
        }
    ),
    Role.AGENT: frozenset(
        {
            Capability.CUSTOMER_READ,
            Capability.CUSTOMER_WRITE,
            Capability.ORDER_READ,
            Capability.PRODUCT_READ,
            Capability.TICKET_READ,
            Capability.TICKET_WRITE,
            Capability.RETURN_WRITE,
        }
    ),
}


def user_can(user: User | None, capability: Capability) -> bool:
    """Say whether an active staff user holds a capability through their role."""
    if user is None or not user.is_active or not user.pk:
        return False
    if user.is_superuser:
        return True
    return capability in ROLE_CAPABILITIES.get(user.role, frozenset())


def _denied_message(capability: Capability) -> str:
    messages = {
        Capability.CUSTOMER_READ: _("Your role may not read customer profiles."),
        Capability.CUSTOMER_WRITE: _("Your role may not change customer profiles."),
        Capability.ORDER_READ: _("Your role may not read orders."),
        Capability.ORDER_WRITE: _("Only supervisors and administrators may create or change orders."),
        Capability.PRODUCT_READ: _("Your role may not read the product catalogue."),
        Capability.PRODUCT_WRITE: _("Only administrators may create or change products."),
        Capability.DATA_IMPORT: _("Only supervisors and administrators may import files."),
        Capability.TICKET_READ: _("Your role may not read tickets."),
        Capability.TICKET_WRITE: _("Your role may not change tickets."),
        Capability.TICKET_ASSIGN: _("Only supervisors and administrators may assign tickets to others."),
        Capability.PLAYBOOK_WRITE: _("Only supervisors and administrators may edit playbooks."),
        Capability.RETURN_WRITE: _("Your role may not handle returns, refunds or compensation."),
        Capability.REFUND_APPROVE: _("Only supervisors and administrators may approve this amount."),
        Capability.COMPENSATION_POLICY_WRITE: _("Only supervisors and administrators may edit compensation rules."),
        Capability.ROUTING_WRITE: _("Only supervisors and administrators may change chat settings and routing."),
        Capability.KNOWLEDGE_WRITE: _("Only supervisors and administrators may manage the knowledge base."),
        Capability.TICKET_SETTINGS_WRITE: _("Only supervisors and administrators may change SLA policies, business calendars and after-sales settings."),
    }
    return messages[capability]


def permission_require(actor: User | None, capability: Capability) -> None:
    """Raise PermissionDenied, with a message in the active language, unless the actor may act.

    A missing actor (None) is the system itself: a CLI command or a task acting for the shop.
    """
    if actor is None:
        return
    if not user_can(actor, capability):
        raise PermissionDenied(_denied_message(capability))
