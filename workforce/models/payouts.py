"""Payout batches: every payable row up to a cut-off, taken exactly once.

A batch does not list its rows: per worker it records a range of the worker's account positions
(``PayoutTotal.seq_from`` < seq ≤ ``seq_to``, see ``workforce.models.ledger``). Live ranges of one
account never overlap (a database constraint), and ``PayoutCursor`` says where they end and what
the account's running total is there, so that a range's amount is one subtraction.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
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
    cutoff = models.DateField(_("cut-off"), help_text=_("Rows payable by the end of this day (UTC)."))
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


class PayoutTotal(models.Model):
    """One worker's sum in a batch (what the export files list) and the rows it takes: the worker's
    rows in ``currency`` numbered after ``seq_from`` up to ``seq_to``.

    ``live`` turns false when the batch is cancelled, which frees the range. Live ranges of one
    account start apart (a unique constraint, on every database) and, on PostgreSQL, never
    overlap (the exclusion constraint ``live_payout_ranges_never_overlap``, made by migration
    0005 because SQLite has no such constraint): no row can be in two live batches.
    """

    batch = models.ForeignKey(PayoutBatch, on_delete=models.CASCADE, related_name="totals")
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    currency = models.CharField(_("currency"), max_length=3, validators=[validate_currency])
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=4)
    row_count = models.PositiveIntegerField(_("rows"))
    seq_from = models.PositiveBigIntegerField(_("after position"))
    seq_to = models.PositiveBigIntegerField(_("up to position"))
    live = models.BooleanField(_("live"), default=True)

    class Meta:
        ordering = ["worker_id"]
        verbose_name = _("payout total")
        verbose_name_plural = _("payout totals")
        constraints = [
            models.UniqueConstraint(fields=["batch", "worker"], name="one_total_per_worker_and_batch"),
            models.UniqueConstraint(fields=["worker", "currency", "seq_from"], condition=Q(live=True),
                                    name="live_payout_ranges_start_apart"),
            models.CheckConstraint(condition=Q(seq_to__gt=F("seq_from")) | Q(live=False),
                                   name="live_payout_range_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.worker}: {self.amount}"


class PayoutCursor(models.Model):
    """How far live batches reach into one worker's account: rows numbered up to ``paid_through``
    are each in one live batch, later rows in none; ``paid_total`` is the account's running total
    through ``paid_through``. A build starts the account's new range here and moves it; a
    cancellation moves it back, which is why only an account's newest live range can be cancelled."""

    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    currency = models.CharField(_("currency"), max_length=3, validators=[validate_currency])
    paid_through = models.PositiveBigIntegerField(_("taken through position"), default=0)
    paid_total = models.DecimalField(_("running total there"), max_digits=20, decimal_places=4, default=0)

    class Meta:
        verbose_name = _("payout cursor")
        verbose_name_plural = _("payout cursors")
        constraints = [models.UniqueConstraint(fields=["worker", "currency"], name="one_payout_cursor_per_account")]

    def __str__(self) -> str:
        return f"{self.worker} {self.currency} ≤ {self.paid_through}"
