"""Message deduplication: (conversation, client_id) is unique for non-empty client ids only.

Kept here because tests/conversations belongs to another part of the work; move it there freely.
"""

import pytest
from django.db import IntegrityError, transaction

from kefu.conversations.models import Conversation, Message
from kefu.customers.models import Customer
from kefu.inboxes.models import Inbox


@pytest.fixture
def conversation(db) -> Conversation:
    inbox = Inbox.objects.create(name="官网", channel="web")
    return Conversation.objects.create(inbox=inbox, customer=Customer.objects.create(name="访客"))


def test_a_client_id_is_accepted_once_per_conversation(conversation):
    Message.objects.create(conversation=conversation, seq=1, sender_kind="customer", body="在吗", client_id="c-1")

    with pytest.raises(IntegrityError), transaction.atomic():
        Message.objects.create(conversation=conversation, seq=2, sender_kind="customer", body="在吗", client_id="c-1")


def test_the_same_client_id_in_another_conversation_is_fine(conversation):
    other = Conversation.objects.create(inbox=conversation.inbox, customer=conversation.customer)
    Message.objects.create(conversation=conversation, seq=1, sender_kind="customer", body="a", client_id="c-1")

    Message.objects.create(conversation=other, seq=1, sender_kind="customer", body="a", client_id="c-1")

    assert Message.objects.filter(client_id="c-1").count() == 2


def test_empty_client_ids_never_collide(conversation):
    for seq in (1, 2, 3):
        Message.objects.create(conversation=conversation, seq=seq, sender_kind="agent", body=f"第{seq}条", client_id="")

    assert Message.objects.filter(conversation=conversation, client_id="").count() == 3
