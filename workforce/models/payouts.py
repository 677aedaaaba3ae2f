"""Payout batches: every payable row up to a cut-off, taken exactly once."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from workforce.models.ledger import validate_currency


class ExternalPlatform(models.TextChoices):
    PROLIFIC = "prolific", _("Prolific")
    GENERIC = "generic", _("Other platform")


class WorkerExternalId(models.Model):
    """A worker's id on a recruiting platform: the Prolific participant id is what Prolific pays."""

    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="external_ids")
    platform = models.CharField(_("platform"), max_length=20, choices=ExternalPlatform.choices)
    external_id = models.CharField(_("external id"), max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("external worker id")
        verbose_name_plural = _("external worker ids")
        constraints = [
            models.UniqueConstraint(fields=["platform", "external_id"], name="external_id_unique_per_platform"),
            models.UniqueConstraint(fields=["worker", "platform"], name="one_external_id_per_platform"),
        ]

    def __str__(self) -> str:
        return f"{self.platform}:{self.external_id}"


class PayoutState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    EXPORTED = "exported", _("Exported")
    PAID = "paid", _("Paid")
    CANCELLED = "cancelled", _("Cancelled")


class PayoutBatch(models.Model):
    currency = models.CharField(_("currency"), max_length=3, validators=[validate_currency])
    cutoff = models.DateField(_("cut-off"), help_text=_("Rows created up to the end of this day (UTC)."))
    platform = models.CharField(
        _("pays through"), max_length=20, choices=ExternalPlatform.choices, default=ExternalPlatform.GENERIC
    )
    state = models.CharField(_("state"), max_length=20, choices=PayoutState.choices, default=PayoutState.DRAFT)
    total = models.DecimalField(_("total"), max_digits=14, decimal_places=4, default=0)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    worker_count = models.PositiveIntegerField(_("workers"), default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    exported_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("payout batch")
        verbose_name_plural = _("payout batches")
        constraints = [
            models.CheckConstraint(condition=Q(state__in=PayoutState.values), name="payout_state_known"),
        ]

    def __str__(self) -> str:
        return f"payout #{self.pk} ≤ {self.cutoff} {self.total} {self.currency} ({self.state})"


class PayoutLine(models.Model):
    """A ledger row taken by a batch. The row is the primary key: no row can be in two batches.
    Cancelling a batch deletes its lines, which releases the rows for a later batch."""

    # No database foreign-key checks: a batch inserts a million lines in one statement, and a
    # deferred check per line would cost more than the insert. Neither side can disappear: ledger
    # rows refuse deletion, and batches are never deleted (cancelled ones keep their record).
    entry = models.OneToOneField(
        "workforce.LedgerEntry", primary_key=True, on_delete=models.PROTECT, related_name="payout_line",
        db_constraint=False,
    )
    batch = models.ForeignKey(PayoutBatch, on_delete=models.PROTECT, related_name="lines", db_constraint=False,
                              db_index=False)

    class Meta:
        verbose_name = _("payout line")
        verbose_name_plural = _("payout lines")

    def __str__(self) -> str:
        return f"row {self.entry_id} in payout {self.batch_id}"


class PayoutTotal(models.Model):
    """One worker's sum in a batch: what the export files list."""

    batch = models.ForeignKey(PayoutBatch, on_delete=models.CASCADE, related_name="totals")
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=4)
    row_count = models.PositiveIntegerField(_("rows"))

    class Meta:
        ordering = ["worker_id"]
        verbose_name = _("payout total")
        verbose_name_plural = _("payout totals")
        constraints = [models.UniqueConstraint(fields=["batch", "worker"], name="one_total_per_worker_and_batch")]

    def __str__(self) -> str:
        return f"{self.worker}: {self.amount}"
