"""Payout batches take ranges of account positions instead of one line per ledger row.

Every payable row (no unit, or a paid unit, or already in a batch) is posted: numbered per worker
and currency, the rows of live batches first (batch by batch, so that each batch's rows of one
worker are one range), then the rest in the order they became payable, each with the account's
running total through it. Rows of units not paid stay unposted. Each batch total gets its range,
each account its last position and total, each account with live batches its payout cursor, and
the batch lines go. Backwards, the lines are made again from the ranges.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import workforce.models.ledger

FORWARD = [
    # When each row became payable: a unit's rows when the unit was reviewed, others when written.
    """UPDATE workforce_ledgerentry SET payable_at = (
           SELECT CASE WHEN u.reviewed_at > workforce_ledgerentry.created_at THEN u.reviewed_at
                       ELSE workforce_ledgerentry.created_at END
           FROM workforce_workunit u WHERE u.id = workforce_ledgerentry.unit_id)
       WHERE unit_id IN (SELECT id FROM workforce_workunit WHERE state IN ('approved', 'soft_rejected'))""",
    """UPDATE workforce_ledgerentry SET payable_at = created_at
       WHERE payable_at IS NULL AND (unit_id IS NULL OR id IN (SELECT entry_id FROM workforce_payoutline))""",
    """UPDATE workforce_ledgerentry SET seq = numbered.n
       FROM (SELECT e.id, row_number() OVER (
                 PARTITION BY e.worker_id, e.currency
                 ORDER BY CASE WHEN l.batch_id IS NULL THEN 1 ELSE 0 END, l.batch_id, e.payable_at, e.id) AS n
             FROM workforce_ledgerentry e LEFT JOIN workforce_payoutline l ON l.entry_id = e.id
             WHERE e.payable_at IS NOT NULL) numbered
       WHERE workforce_ledgerentry.id = numbered.id""",
    """UPDATE workforce_ledgerentry SET running_total = summed.total
       FROM (SELECT id, round(sum(amount) OVER (PARTITION BY worker_id, currency ORDER BY seq), 4) AS total
             FROM workforce_ledgerentry WHERE seq IS NOT NULL) summed
       WHERE workforce_ledgerentry.id = summed.id""",
    """UPDATE workforce_payouttotal SET
           currency = (SELECT b.currency FROM workforce_payoutbatch b WHERE b.id = workforce_payouttotal.batch_id),
           live = (SELECT b.state <> 'cancelled' FROM workforce_payoutbatch b WHERE b.id = workforce_payouttotal.batch_id)""",
    """UPDATE workforce_payouttotal SET seq_from = taken.low - 1, seq_to = taken.high
       FROM (SELECT l.batch_id, e.worker_id, min(e.seq) AS low, max(e.seq) AS high
             FROM workforce_payoutline l JOIN workforce_ledgerentry e ON e.id = l.entry_id
             GROUP BY l.batch_id, e.worker_id) taken
       WHERE taken.batch_id = workforce_payouttotal.batch_id AND taken.worker_id = workforce_payouttotal.worker_id""",
    """INSERT INTO workforce_payoutcursor (worker_id, currency, paid_through, paid_total)
       SELECT t.worker_id, t.currency, t.high, (
           SELECT e.running_total FROM workforce_ledgerentry e
           WHERE e.worker_id = t.worker_id AND e.currency = t.currency AND e.seq = t.high)
       FROM (SELECT worker_id, currency, max(seq_to) AS high FROM workforce_payouttotal WHERE live
             GROUP BY worker_id, currency) t""",
    """INSERT INTO workforce_ledgeraccount (worker_id, currency, last_seq, total)
       SELECT worker_id, currency, max(seq), round(sum(amount), 4) FROM workforce_ledgerentry WHERE seq IS NOT NULL
       GROUP BY worker_id, currency""",
]
BACKWARD = [
    """INSERT INTO workforce_payoutline (entry_id, batch_id)
       SELECT e.id, t.batch_id FROM workforce_ledgerentry e JOIN workforce_payouttotal t
         ON t.worker_id = e.worker_id AND t.currency = e.currency AND t.live
        AND e.seq > t.seq_from AND e.seq <= t.seq_to""",
]
EXCLUSION = (
    "ALTER TABLE workforce_payouttotal ADD CONSTRAINT live_payout_ranges_never_overlap EXCLUDE USING gist "
    "(worker_id WITH =, currency WITH =, int8range(seq_from, seq_to, '(]') WITH &&) WHERE (live)"
)


def rows_to_ranges(apps, schema_editor):
    for statement in FORWARD:
        schema_editor.execute(statement)
    if schema_editor.connection.vendor == "postgresql":
        # Run the foreign-key checks these updates queued now: PostgreSQL refuses to index or alter
        # a table with checks still pending in the transaction.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        schema_editor.execute("SET CONSTRAINTS ALL DEFERRED")


def ranges_to_rows(apps, schema_editor):
    for statement in BACKWARD:
        schema_editor.execute(statement)


def exclusion_add(apps, schema_editor):
    """On PostgreSQL, live ranges of one account can never overlap (SQLite has no such constraint)."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        schema_editor.execute(EXCLUSION)


def exclusion_drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE workforce_payouttotal DROP CONSTRAINT live_payout_ranges_never_overlap")


class Migration(migrations.Migration):
    dependencies = [
        ("workforce", "0004_qualifications_are_profile_flags"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="LedgerAccount",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("currency", models.CharField(max_length=3, validators=[workforce.models.ledger.validate_currency],
                                              verbose_name="currency")),
                ("last_seq", models.PositiveBigIntegerField(default=0, verbose_name="last position")),
                ("total", models.DecimalField(decimal_places=4, default=0, max_digits=20, verbose_name="total")),
                ("worker", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                             to=settings.AUTH_USER_MODEL)),
            ],
            options={
                "verbose_name": "ledger account",
                "verbose_name_plural": "ledger accounts",
                # With the table, before rows go in (PostgreSQL refuses to alter a table with pending
                # foreign-key checks in the same transaction).
                "constraints": [models.UniqueConstraint(fields=("worker", "currency"),
                                                        name="one_account_per_worker_and_currency")],
            },
        ),
        migrations.CreateModel(
            name="PayoutCursor",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("currency", models.CharField(max_length=3, validators=[workforce.models.ledger.validate_currency],
                                              verbose_name="currency")),
                ("paid_through", models.PositiveBigIntegerField(default=0, verbose_name="taken through position")),
                ("paid_total", models.DecimalField(decimal_places=4, default=0, max_digits=20,
                                                   verbose_name="running total there")),
                ("worker", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                             to=settings.AUTH_USER_MODEL)),
            ],
            options={
                "verbose_name": "payout cursor",
                "verbose_name_plural": "payout cursors",
                "constraints": [models.UniqueConstraint(fields=("worker", "currency"),
                                                        name="one_payout_cursor_per_account")],
            },
        ),
        migrations.AddField(
            model_name="ledgerentry",
            name="payable_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="payable from"),
        ),
        migrations.AddField(
            model_name="ledgerentry",
            name="seq",
            field=models.PositiveBigIntegerField(blank=True, editable=False, null=True, verbose_name="account position"),
        ),
        migrations.AddField(
            model_name="ledgerentry",
            name="running_total",
            field=models.DecimalField(blank=True, decimal_places=4, editable=False, max_digits=20, null=True,
                                      verbose_name="account total through this row"),
        ),
        migrations.AddField(
            model_name="payouttotal",
            name="currency",
            field=models.CharField(default="", max_length=3, validators=[workforce.models.ledger.validate_currency],
                                   verbose_name="currency"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="payouttotal",
            name="live",
            field=models.BooleanField(default=True, verbose_name="live"),
        ),
        migrations.AddField(
            model_name="payouttotal",
            name="seq_from",
            field=models.PositiveBigIntegerField(default=0, verbose_name="after position"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="payouttotal",
            name="seq_to",
            field=models.PositiveBigIntegerField(default=0, verbose_name="up to position"),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="payoutbatch",
            name="cutoff",
            field=models.DateField(help_text="Rows payable by the end of this day (UTC).", verbose_name="cut-off"),
        ),
        migrations.RunPython(rows_to_ranges, ranges_to_rows),
        migrations.AddIndex(
            model_name="ledgerentry",
            index=models.Index(fields=["payable_at"], name="ledger_payable_at"),
        ),
        migrations.AddConstraint(
            model_name="ledgerentry",
            constraint=models.UniqueConstraint(fields=("worker", "currency", "seq"), name="one_row_per_account_position"),
        ),
        migrations.AddConstraint(
            model_name="ledgerentry",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("payable_at__isnull", True), ("running_total__isnull", True), ("seq__isnull", True)),
                    models.Q(("payable_at__isnull", False), ("running_total__isnull", False), ("seq__gte", 1)),
                    _connector="OR",
                ),
                name="ledger_posted_with_time",
            ),
        ),
        migrations.AddConstraint(
            model_name="payouttotal",
            constraint=models.UniqueConstraint(condition=models.Q(("live", True)), fields=("worker", "currency", "seq_from"),
                                               name="live_payout_ranges_start_apart"),
        ),
        migrations.AddConstraint(
            model_name="payouttotal",
            constraint=models.CheckConstraint(
                condition=models.Q(("seq_to__gt", models.F("seq_from")), ("live", False), _connector="OR"),
                name="live_payout_range_not_empty",
            ),
        ),
        migrations.RunPython(exclusion_add, exclusion_drop),
        migrations.DeleteModel(name="PayoutLine"),
    ]
