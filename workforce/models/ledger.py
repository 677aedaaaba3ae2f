"""The ledger: append-only money rows. A row is never edited or deleted; a correction reverses it."""

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
    approved (or soft-rejected); other rows are payable at once.
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

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        indexes = [models.Index(fields=["worker", "created_at"])]
        constraints = [
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
