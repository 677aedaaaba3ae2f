"""Live role-play: two seats of a ``LiveSession`` chatting over WebSocket (docs/chat-protocol.md).

One module per concern: ``frames`` (the chat protocol's frames and the consumers' frame plumbing),
``partners`` (the other seat, as seen from one seat), ``queue``, ``matchmaking``, ``quotas``,
``sessions`` (a session's lifecycle), ``messages`` (the message hot path, with its SQL in
``message_sql``), ``deadlines``, ``credits`` (the credit ledger's writes), ``abandonment``, and the
model seat: ``human_machine`` (its services) and ``model_seat`` (``ModelPartner``).

Every public service is one transaction. Race-freedom across ASGI processes and Celery workers
comes from the database: the matchmaker locks waiting queue entries with ``SELECT ... FOR UPDATE
SKIP LOCKED`` (PostgreSQL; SQLite serialises writers anyway), a partial unique constraint keeps
each worker in at most one waiting-or-matched entry, and every change to a session locks the
session row first. Notifications go out through the channel layer only after the commit.
"""
