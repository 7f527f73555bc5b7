"""The database statements of the chat hot paths, pinned: a customer's message and an agent's reply.

Every statement runs on Channels' single database thread, hundreds of times a second under
load (bench/RESULTS.md); a change that adds one to these paths must change these numbers on
purpose. Counted inside the test's transaction, so each service's own transaction shows as a
SAVEPOINT and its RELEASE; the callbacks run after commit (events, the holding timer, the
queue) are counted too.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kefu.conversations import services
from kefu.conversations.batching import jobs_run
from kefu.conversations.errors import ChatError
from kefu.conversations.models import Message
from kefu.conversations.payloads import message_payload


@pytest.fixture(autouse=True)
def tasks_queued_not_run():
    """Queue tasks as the server does (the task worker runs them): the assistant's reading is not on the chat thread."""
    from huey.contrib.djhuey import HUEY
    from huey.storage import MemoryStorage

    HUEY.immediate = False
    HUEY.storage = MemoryStorage(HUEY.name)  # a queue nobody consumes, not the product's var/huey.sqlite3
    yield
    HUEY.immediate = True


def _statements(context: CaptureQueriesContext) -> list[str]:
    return [query["sql"].split(" ", 3)[0] + " " + query["sql"][:160] for query in context.captured_queries]


@pytest.fixture
def chatting(inbox, agent, django_capture_on_commit_callbacks):
    """Return a visitor whose conversation the agent serves and has answered once, and the conversation."""
    visitor = services.visitor_create(inbox=inbox)
    with django_capture_on_commit_callbacks(execute=True):
        first, _created = services.customer_message_receive(visitor=visitor, body="在吗", client_id="c-1")
        services.agent_message_send(conversation_id=first.conversation_id, agent=agent, body="在的亲", client_id="a-1")
    return visitor, first.conversation


def _count(run, capture) -> tuple[object, list[str]]:
    with CaptureQueriesContext(connection) as context, capture(execute=True):
        result = run()
    return result, _statements(context)


def test_a_customer_message_that_starts_a_wait_takes_six_statements(chatting, django_capture_on_commit_callbacks):
    visitor, conversation = chatting

    def send():
        message, created = services.customer_message_receive(visitor=visitor, body="发什么快递？", client_id="c-2")
        return message, created, message_payload(message, for_customer=True)

    (message, created, payload), statements = _count(send, django_capture_on_commit_callbacks)

    assert created is True
    assert (message.seq, payload["seq"], payload["prev_seq"]) == (4, 4, 3)
    # the duplicate check, SAVEPOINT, the conversation (locked), its counters and sequence number,
    # the INSERT, RELEASE; the ack's payload and the events after commit need none
    assert [s.split(" ", 1)[0] for s in statements] == ["SELECT", "SAVEPOINT", "SELECT", "UPDATE", "INSERT", "RELEASE"]


def test_a_customer_message_while_waiting_takes_the_same_statements(chatting, django_capture_on_commit_callbacks):
    visitor, _conversation = chatting
    services.customer_message_receive(visitor=visitor, body="发什么快递？", client_id="c-2")

    _result, statements = _count(lambda: services.customer_message_receive(visitor=visitor, body="还有吗", client_id="c-3"), django_capture_on_commit_callbacks)

    assert len(statements) == 6, "\n".join(statements)


def test_an_agent_reply_takes_six_statements(chatting, agent, django_capture_on_commit_callbacks):
    visitor, conversation = chatting
    services.customer_message_receive(visitor=visitor, body="发什么快递？", client_id="c-2")

    def reply():
        message, created = services.agent_message_send(conversation_id=conversation.pk, agent=agent, body="顺丰哦", client_id="a-2")
        return message, created, message_payload(message)

    (message, created, payload), statements = _count(reply, django_capture_on_commit_callbacks)

    assert created is True
    assert (message.seq, payload["sender_name"]) == (5, "小美")
    # SAVEPOINT, the conversation (locked; the agent serves it, so their teams need no look-up),
    # the duplicate check, the counters with the end of the wait, the INSERT, RELEASE
    assert [s.split(" ", 1)[0] for s in statements] == ["SAVEPOINT", "SELECT", "SELECT", "UPDATE", "INSERT", "RELEASE"], "\n".join(statements)


def test_a_resent_message_is_found_with_two_statements_and_not_stored_again(chatting, django_capture_on_commit_callbacks):
    visitor, conversation = chatting

    (message, created), statements = _count(
        lambda: services.customer_message_receive(visitor=visitor, body="在吗", client_id="c-1"), django_capture_on_commit_callbacks
    )

    assert (created, message.seq, message.client_id) == (False, 1, "c-1")
    assert len(statements) == 2, "\n".join(statements)
    assert Message.objects.filter(conversation=conversation, client_id="c-1").count() == 1


def test_a_batch_stores_every_good_message_and_refuses_the_bad_one_alone(chatting, agent, django_capture_on_commit_callbacks):
    visitor, conversation = chatting

    def customer(client_id, body):
        return lambda: services.customer_message_receive(visitor=visitor, body=body, client_id=client_id)[0].seq

    def reply_elsewhere():
        return services.agent_message_send(conversation_id=10**9, agent=agent, body="x", client_id="a-x")

    with django_capture_on_commit_callbacks(execute=True):
        results = jobs_run([customer("c-2", "一"), reply_elsewhere, customer("c-3", ""), customer("c-4", "二")])

    assert [ok for ok, _value in results] == [True, False, False, True]
    assert (results[0][1], results[3][1]) == (4, 5)
    assert isinstance(results[1][1], ChatError) and results[1][1].code == "not_found"
    assert isinstance(results[2][1], ChatError) and results[2][1].code == "empty"
    stored = list(conversation.messages.order_by("seq").values_list("seq", "client_id"))
    assert stored == [(1, "c-1"), (2, ""), (3, "a-1"), (4, "c-2"), (5, "c-4")]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "sqlite", reason="batches share one transaction on SQLite only")
def test_a_reaction_failing_after_the_batch_commits_does_not_store_it_twice():
    from django.db import transaction

    from kefu.knowledge.models import Phrase

    def store(code: str):
        def job():
            Phrase.objects.create(stage="greeting", shortcut=code, title=code, body=code)
            transaction.on_commit(lambda: 1 / 0)  # e.g. the task queue is down when the holding timer is scheduled
            return code

        return job

    results = jobs_run([store("a1"), store("a2")])

    assert results == [(True, "a1"), (True, "a2")]
    assert sorted(Phrase.objects.values_list("shortcut", flat=True)) == ["a1", "a2"]
