"""The ledger: append-only money rows. A row is never edited or deleted; a correction reverses it.

A row is *posted* once it is payable: numbered into its worker's account in its currency (1, 2,
3, … in the order the rows commit, without gaps), stamped with the moment it became payable and
with the account's running total through it. A payout batch then takes, per account, one range of
numbers, and its amount is the difference of two running totals; this is why posting keeps commit
order (see ``LedgerAccount``). Posting is the one write a stored row allows, and it happens once.
"""

from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workforce.currencies import ISO_4217_CODES, currency_is_known
from workforce.models.kinds import SIGNED_ENTRY_KINDS, EntryKind, UnitKind


class AppendOnlyError(Exception):
    """Raised on any attempt to edit or delete a ledger row."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Ledger rows are never edited: add a reversing row instead.")

    def delete(self):
        raise AppendOnlyError("Ledger rows are never deleted: add a reversing row instead.")

    def post_once(self, *, seq: int, running_total: Decimal, payable_at: datetime) -> int:
        """Post the (one) unposted row of this queryset at account position ``seq``. A posted row
        is never touched again: the filter leaves it out, so this returns 0 for it."""
        return models.QuerySet.update(self.filter(seq__isnull=True), seq=seq, running_total=running_total,
                                      payable_at=payable_at)


def validate_currency(value: str) -> None:
    if not currency_is_known(value):
        raise ValidationError(_("%(code)s is not an ISO 4217 currency code."), params={"code": value})


class PieceRate(models.Model):
    """What one approved unit of a kind pays, from a date on. Later rates never touch past rows."""

    kind = models.CharField(_("task kind"), max_length=30, choices=UnitKind.choices)
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=4)
    currency = models.CharField(_("currency"), max_length=3, validators=[validate_currency])
    effective_from = models.DateField(_("effective from"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "-effective_from"]
        verbose_name = _("piece rate")
        verbose_name_plural = _("piece rates")
        constraints = [
            models.UniqueConstraint(fields=["kind", "effective_from"], name="one_rate_per_kind_and_day"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="piece_rate_not_negative"),
            models.CheckConstraint(condition=Q(kind__in=UnitKind.values), name="piece_rate_kind_known"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.amount} {self.currency} from {self.effective_from}"


class LedgerEntry(models.Model):
    """One amount owed to (or, reversed, taken back from) a worker.

    ``idempotency_key`` is unique: every writer derives it from what it pays for (the unit, the
    queue entry, the admin's form submission), so a retried task or a double click finds the row
    already there instead of paying twice. A row tied to a unit becomes payable when the unit is
    approved (or soft-rejected); other rows are payable at once. ``seq``, ``payable_at`` and
    ``running_total`` are set when the row is posted (payable): at once, or when its unit is approved.
    """

    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ledger_entries")
    kind = models.CharField(_("kind"), max_length=20, choices=EntryKind.choices)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=4)
    currency = models.CharField(_("currency"), max_length=3, validators=[validate_currency])
    unit = models.ForeignKey(
        "workforce.WorkUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_entries"
    )
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    seconds = models.PositiveIntegerField(_("seconds"), default=0)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    seq = models.PositiveBigIntegerField(_("account position"), null=True, blank=True, editable=False)
    payable_at = models.DateTimeField(_("payable from"), null=True, blank=True, editable=False)
    running_total = models.DecimalField(_("account total through this row"), max_digits=20, decimal_places=4,
                                        null=True, blank=True, editable=False)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        indexes = [models.Index(fields=["worker", "created_at"]),
                   models.Index(fields=["payable_at"], name="ledger_payable_at")]
        constraints = [
            models.UniqueConstraint(fields=["worker", "currency", "seq"], name="one_row_per_account_position"),
            models.CheckConstraint(
                condition=Q(seq__isnull=True, payable_at__isnull=True, running_total__isnull=True)
                | Q(seq__gte=1, payable_at__isnull=False, running_total__isnull=False),
                name="ledger_posted_with_time",
            ),
            models.CheckConstraint(condition=Q(kind__in=EntryKind.values), name="ledger_kind_known"),
            models.CheckConstraint(condition=Q(currency__in=sorted(ISO_4217_CODES)), name="ledger_currency_iso"),
            models.CheckConstraint(
                condition=Q(kind__in=SIGNED_ENTRY_KINDS) | Q(amount__gte=0), name="ledger_credit_not_negative"
            ),
            models.CheckConstraint(
                condition=(Q(kind=EntryKind.REVERSAL) & Q(reverses__isnull=False))
                | (~Q(kind=EntryKind.REVERSAL) & Q(reverses__isnull=True)),
                name="ledger_reversal_names_its_row",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.worker} {self.amount:+} {self.currency} ({self.kind})"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise AppendOnlyError("Ledger rows are never edited: add a reversing row instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Ledger rows are never deleted: add a reversing row instead.")


class LedgerAccount(models.Model):
    """A worker's account in one currency: ``last_seq`` is the number of its newest posted row and
    ``total`` the sum of every posted row (the running total of the newest one).

    Posting raises ``last_seq`` in the posting transaction and so holds this row's lock until that
    transaction ends: a second posting to the account waits, and takes the next number only after
    the first has committed (or rolled back, giving its number back). Numbers therefore become
    visible in order: whoever sees row n of an account also sees every row numbered below n. That
    is what lets a payout batch take a plain range of numbers per account.
    """

    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    currency = models.CharField(_("currency"), max_length=3, validators=[validate_currency])
    last_seq = models.PositiveBigIntegerField(_("last position"), default=0)
    total = models.DecimalField(_("total"), max_digits=20, decimal_places=4, default=0)

    class Meta:
        verbose_name = _("ledger account")
        verbose_name_plural = _("ledger accounts")
        constraints = [models.UniqueConstraint(fields=["worker", "currency"], name="one_account_per_worker_and_currency")]

    def __str__(self) -> str:
        return f"{self.worker} {self.currency} #{self.last_seq}"
