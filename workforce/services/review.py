"""Reviewing units: approve, reject, soft-reject or return, with a reason, a bonus and a block."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from platform_core.models import BlockStatus, User
from platform_core.services import audit_record, worker_block
from workforce.models import (
    PAID_UNIT_STATES,
    EntryKind,
    LedgerEntry,
    ReasonCategory,
    UnitState,
    WorkUnit,
)
from workforce.services.errors import WorkforceError
from workforce.services.ledger import (
    amount_parse,
    ledger_credit,
    ledger_post_unit_rows,
    ledger_reverse,
    piece_rate_for,
)
from workforce.services.qualifications import UNIT_KIND_QUALIFICATION, qualification_revoke
from workforce.services.units import unit_transition_check

DECISIONS = (UnitState.APPROVED, UnitState.REJECTED, UnitState.SOFT_REJECTED, UnitState.RETURNED)


@dataclass(frozen=True)
class ReviewDecision:
    decision: str
    reason_category: str = ""
    message: str = ""
    bonus: Decimal | None = None
    bonus_key: str = ""
    block: str = ""  # "", "soft_blocked" or "blocked"
    block_reason: str = ""


def review_decision_parse(
    *, decision: str, reason_category: str = "", message: str = "", bonus: object = "",
    bonus_key: str = "", block: str = "", block_reason: str = "",
) -> ReviewDecision:
    """Check a review's input before anything is written; errors name the field."""
    if decision not in DECISIONS:
        raise WorkforceError(_("Choose approve, reject, soft-reject or return."), field="decision")
    if reason_category not in ReasonCategory.values:
        raise WorkforceError(_("Unknown reason category."), field="reason_category")
    if decision in (UnitState.REJECTED, UnitState.SOFT_REJECTED) and not reason_category:
        raise WorkforceError(_("A rejection needs a reason category."), field="reason_category")
    if len(message) > 2000:
        raise WorkforceError(_("The message is longer than 2000 characters."), field="message")
    amount = amount_parse(bonus, field="bonus") if str(bonus or "").strip() else None
    if amount is not None and amount <= 0:
        amount = None
    if block not in ("", BlockStatus.SOFT_BLOCKED, BlockStatus.BLOCKED):
        raise WorkforceError(_("Unknown block."), field="block")
    if block and not (block_reason or message).strip():
        raise WorkforceError(_("Blocking a worker needs a reason."), field="block_reason")
    return ReviewDecision(decision, reason_category, message, amount, bonus_key, block, block_reason or message)


def unit_review(*, unit_id: int, review: ReviewDecision, reviewer: User | None, auto: bool = False) -> WorkUnit:
    """Apply one decision. Reviewing a unit twice with the same decision (a double click, two
    admins at once) changes nothing the second time and pays once; a different decision is refused."""
    with transaction.atomic():
        unit = WorkUnit.objects.select_for_update(of=("self",)).select_related("worker").get(pk=unit_id)
        if unit.state == review.decision:
            return unit
        unit_transition_check(unit=unit, to=review.decision)
        unit.state = review.decision
        unit.reviewed_at = timezone.now()
        unit.reviewer = reviewer
        unit.auto_approved = auto
        unit.reason_category = review.reason_category
        unit.review_message = review.message
        unit.save()
        _settle_unit_money(unit=unit, reviewer=reviewer)
        audit_record(
            actor=reviewer,
            action=f"workforce.unit.{review.decision}",
            target=unit,
            details={"reason_category": review.reason_category, "message": review.message, "auto": auto},
        )
        if review.bonus is not None:
            unit_bonus(unit=unit, amount=review.bonus, reason=review.message or _("Review bonus"), actor=reviewer,
                       idempotency_key=review.bonus_key or f"review-bonus:{unit.pk}")
        if review.decision == UnitState.SOFT_REJECTED and unit.kind in UNIT_KIND_QUALIFICATION:
            qualification_revoke(worker=unit.worker, qualification=UNIT_KIND_QUALIFICATION[unit.kind],
                                 reason=_("Soft-rejected work: %(m)s") % {"m": review.message or review.reason_category},
                                 actor=reviewer)
        if review.block:
            worker_block(profile=unit.worker.profile, status=review.block, reason=review.block_reason, actor=reviewer)
    return unit


def _settle_unit_money(*, unit: WorkUnit, reviewer: User | None) -> None:
    """A paid decision posts the rows that waited on the unit (bonuses given before the review) and
    credits the piece rate of the day the unit was submitted; a refusal reverses any bonus granted
    while the unit was in progress (those rows were never payable, and stay unposted)."""
    if unit.state in PAID_UNIT_STATES:
        ledger_post_unit_rows(unit=unit)
        rate = piece_rate_for(kind=unit.kind, on=timezone.localdate(unit.submitted_at))
        if rate is not None and rate.amount > 0:
            ledger_credit(worker=unit.worker, kind=EntryKind.PIECE_RATE, amount=rate.amount, currency=rate.currency,
                          unit=unit, seconds=unit.active_seconds, actor=reviewer,
                          idempotency_key=f"unit:{unit.pk}:piece_rate")
        return
    for entry in LedgerEntry.objects.filter(unit=unit, kind=EntryKind.BONUS, reversed_by__isnull=True):
        ledger_reverse(entry=entry, reason=_("The unit was not accepted."), actor=reviewer)


def unit_bonus(*, unit: WorkUnit, amount: object, reason: str, actor: User | None, idempotency_key: str,
               currency: str | None = None) -> LedgerEntry:
    """A bonus on one unit, allowed while it is still in progress; it is paid once the unit is approved.
    The unit is locked while the bonus is written, so a review at the same time either refuses it
    (rejected) or posts it (approved)."""
    if not reason.strip():
        raise WorkforceError(_("A bonus needs a reason."), field="reason")
    with transaction.atomic():
        unit = WorkUnit.objects.select_for_update(of=("self",)).select_related("worker").get(pk=unit.pk)
        if unit.state in (UnitState.REJECTED, UnitState.RETURNED):
            raise WorkforceError(_("A rejected or returned unit cannot get a bonus."), field="unit")
        entry, created = ledger_credit(worker=unit.worker, kind=EntryKind.BONUS, amount=amount, currency=currency,
                                       unit=unit, reason=reason, actor=actor,
                                       idempotency_key=f"bonus:{idempotency_key}")
    if created:
        audit_record(actor=actor, action="workforce.bonus", target=entry,
                     details={"unit": unit.pk, "amount": str(entry.amount), "reason": reason})
    return entry


def worker_bonus(*, worker: User, amount: object, reason: str, actor: User | None, idempotency_key: str,
                 currency: str | None = None) -> LedgerEntry:
    if not reason.strip():
        raise WorkforceError(_("A bonus needs a reason."), field="reason")
    entry, created = ledger_credit(worker=worker, kind=EntryKind.BONUS, amount=amount, currency=currency,
                                   reason=reason, actor=actor, idempotency_key=f"bonus:{idempotency_key}")
    if created:
        audit_record(actor=actor, action="workforce.bonus", target=entry,
                     details={"worker": worker.pk, "amount": str(entry.amount), "reason": reason})
    return entry


def units_review_bulk(*, unit_ids: list[int], review: ReviewDecision, reviewer: User) -> list[WorkUnit]:
    """The same decision for many units; each is its own transaction, so one refusal stops nothing else."""
    done = []
    for unit_id in unit_ids:
        bonus_key = f"{review.bonus_key}:{unit_id}" if review.bonus_key else ""
        per_unit = ReviewDecision(review.decision, review.reason_category, review.message, review.bonus,
                                  bonus_key, review.block, review.block_reason)
        done.append(unit_review(unit_id=unit_id, review=per_unit, reviewer=reviewer))
    return done


def units_auto_approve(*, now=None) -> int:
    """Approve every unit submitted more than WORKFORCE_AUTO_APPROVE_DAYS ago and still unreviewed."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.WORKFORCE_AUTO_APPROVE_DAYS)
    ids = list(WorkUnit.objects.filter(state=UnitState.SUBMITTED, submitted_at__lt=cutoff).values_list("pk", flat=True))
    review = ReviewDecision(UnitState.APPROVED, message="")
    for unit_id in ids:
        try:
            unit_review(unit_id=unit_id, review=review, reviewer=None, auto=True)
        except WorkforceError:
            continue  # reviewed meanwhile by an admin
    return len(ids)
