"""Cross-domain reactions: one greppable map from event type to the handlers that run after commit.

Handlers take the event and must be quick; anything slow enqueues a Huey task. They run in
the process that committed the change, after the event went to the browsers.
"""

REACTIONS: dict[str, list[str]] = {
    # live chat: each customer message is read by the assistant (emotion, stage, suggestions, escalation, the bot) in the task worker
    "message.customer_received": ["kefu.conversations.services.assist.on_customer_message"],
    # after-sales: the SLA clock starts, pauses while waiting on the customer, and a follow-up visit is planned on resolve
    "ticket.created": ["kefu.tickets.sla.on_ticket_created"],
    "ticket.transitioned": ["kefu.tickets.sla.on_ticket_transitioned", "kefu.tickets.followups.on_ticket_transitioned"],
    "ticket.updated": ["kefu.tickets.sla.on_ticket_updated"],
}
