"""The role table of kefu.accounts.permissions."""

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from kefu.accounts.permissions import Capability, permission_require, user_can

C = Capability
AFTER_SALES = {C.TICKET_READ, C.TICKET_WRITE, C.RETURN_WRITE}
TABLE = {
    "agent": {C.CUSTOMER_READ, C.CUSTOMER_WRITE, C.ORDER_READ, C.PRODUCT_READ} | AFTER_SALES,
    "supervisor": {C.CUSTOMER_READ, C.CUSTOMER_WRITE, C.ORDER_READ, C.ORDER_WRITE, C.PRODUCT_READ, C.DATA_IMPORT}
    | AFTER_SALES
    | {C.TICKET_ASSIGN, C.PLAYBOOK_WRITE, C.REFUND_APPROVE, C.COMPENSATION_POLICY_WRITE, C.ROUTING_WRITE}
    | {C.KNOWLEDGE_WRITE}
    | {C.TICKET_SETTINGS_WRITE},
    "admin_user": set(Capability),
}


@pytest.mark.parametrize("who", TABLE)
@pytest.mark.parametrize("capability", list(Capability))
def test_role_table(request, who, capability):
    user = request.getfixturevalue(who)

    assert user_can(user, capability) is (capability in TABLE[who])


def test_inactive_users_and_nobody_hold_nothing(admin_user):
    admin_user.is_active = False

    assert not user_can(admin_user, C.CUSTOMER_READ)
    assert not user_can(None, C.CUSTOMER_READ)


def test_require_raises_with_a_message_and_lets_the_system_act(agent):
    with translation.override("en"), pytest.raises(PermissionDenied, match="Only administrators"):
        permission_require(agent, C.PRODUCT_WRITE)
    permission_require(None, C.PRODUCT_WRITE)  # the system (CLI, tasks) acts for the shop
