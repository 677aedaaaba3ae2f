"""Admin pages: the review queue, worker management, payouts and the fair-pay report."""

import uuid

from django.conf import settings
from django.contrib import messages
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from annotation.selectors import annotator_stats
from evaluation.selectors import assignment_work
from platform_core.models import BlockStatus, User
from platform_core.permissions import WORKFORCE_ADMINS, requires_roles
from platform_core.services import audit_record, worker_block
from workforce import selectors
from workforce.models import (
    ExternalPlatform,
    PayoutBatch,
    Qualification,
    ReasonCategory,
    UnitKind,
    WorkUnit,
)
from workforce.services import fair_pay
from workforce.services.errors import WorkforceError
from workforce.services.payouts import payout_build, payout_cancel, payout_export, payout_mark_paid
from workforce.services.qualifications import qualification_set, qualifications_held
from workforce.services.review import review_decision_parse, unit_review, units_review_bulk, worker_bonus
from workforce.services.sync import EVALUATION_KINDS, unit_subject, units_sync
from workforce.views.common import refuse


def _decision_from(post) -> dict:
    return {name: post.get(name, "") for name in
            ("decision", "reason_category", "message", "bonus", "bonus_key", "block", "block_reason")}


@requires_roles(*WORKFORCE_ADMINS)
def review_queue(request) -> HttpResponse:
    units_sync()
    kind = request.GET.get("kind", "")
    kind = kind if kind in UnitKind.values else ""
    counts = selectors.review_queue_counts()
    return render(request, "workforce/review_queue.html", {
        "units": selectors.review_queue(kind=kind)[:200], "kind": kind, "reasons": ReasonCategory.choices,
        "kinds": [(value, label, counts.get(value, 0)) for value, label in UnitKind.choices],
        "form_key": uuid.uuid4().hex,
    })


@requires_roles(*WORKFORCE_ADMINS)
def review_unit(request, pk: int) -> HttpResponse:
    unit = get_object_or_404(WorkUnit.objects.select_related("worker__profile"), pk=pk)
    status = 200
    if request.method == "POST":
        try:
            review = review_decision_parse(**_decision_from(request.POST))
            unit_review(unit_id=unit.pk, review=review, reviewer=request.user)
        except WorkforceError as error:
            refuse(request, error)
            status = 400
        else:
            messages.success(request, _("Saved: %(unit)s") % {"unit": unit})
            following = selectors.review_queue(kind=request.POST.get("queue_kind", "")).first()
            return redirect("workforce:review-unit", pk=following.pk) if following else redirect("workforce:review")
    subject = unit_subject(unit)
    return render(request, "workforce/review_unit.html", {
        "unit": unit, "subject": subject, "history": selectors.worker_units(worker=unit.worker)[:20],
        "evaluation": assignment_work(subject) if subject is not None and unit.kind in EVALUATION_KINDS else None,
        "summary": selectors.worker_summary(worker=unit.worker), "reasons": ReasonCategory.choices,
        "form_key": uuid.uuid4().hex, "blocks": BlockStatus.choices,
    }, status=status)


@requires_roles(*WORKFORCE_ADMINS)
@require_POST
def review_bulk(request) -> HttpResponse:
    ids = [int(v) for v in request.POST.getlist("unit") if v.isdigit()]
    if not ids:
        messages.error(request, _("unit: choose at least one unit."))
        return redirect("workforce:review")
    try:
        review = review_decision_parse(**_decision_from(request.POST))
        done = units_review_bulk(unit_ids=ids, review=review, reviewer=request.user)
    except WorkforceError as error:
        refuse(request, error)
        return redirect("workforce:review")
    messages.success(request, _("Reviewed %(n)d units.") % {"n": len(done)})
    return redirect("workforce:review")


@requires_roles(*WORKFORCE_ADMINS)
def worker_list(request) -> HttpResponse:
    workers = (User.objects.filter(work_units__isnull=False).annotate(units=Count("work_units"))
               .select_related("profile").order_by("username"))
    return render(request, "workforce/worker_list.html", {"workers": workers})


@requires_roles(*WORKFORCE_ADMINS)
def worker_detail(request, pk: int) -> HttpResponse:
    worker = get_object_or_404(User.objects.select_related("profile"), pk=pk)
    status = 200
    if request.method == "POST":
        try:
            _worker_action(request, worker)
            return redirect("workforce:worker-detail", pk=worker.pk)
        except (WorkforceError, ValueError) as error:
            refuse(request, error if isinstance(error, WorkforceError) else WorkforceError(str(error)))
            status = 400
    qc = next((row for row in annotator_stats() if row["user"].pk == worker.pk), None)
    return render(request, "workforce/worker_detail.html", {
        "worker": worker, "summary": selectors.worker_summary(worker=worker), "qc": qc,
        "earnings": selectors.worker_earnings(worker=worker, currency=settings.WORKFORCE_CURRENCY),
        "held": qualifications_held(worker=worker), "qualifications": Qualification.choices,
        "blocks": BlockStatus.choices, "units": selectors.worker_units(worker=worker)[:30],
        "form_key": uuid.uuid4().hex,
    }, status=status)


def _worker_action(request, worker: User) -> None:
    action = request.POST.get("action", "")
    reason = request.POST.get("reason", "").strip()[:2000]
    if action == "block":
        worker_block(profile=worker.profile, status=request.POST.get("status", ""), reason=reason, actor=request.user)
    elif action == "qualification":
        code = request.POST.get("qualification", "")
        if code not in Qualification.values:
            raise WorkforceError(_("Unknown qualification."), field="qualification")
        if not reason:
            raise WorkforceError(_("Give a reason for the change."), field="reason")
        qualification_set(worker=worker, qualification=code, held=request.POST.get("held") == "1", reason=reason,
                          actor=request.user)
    elif action == "bonus":
        worker_bonus(worker=worker, amount=request.POST.get("amount", ""), reason=reason, actor=request.user,
                     idempotency_key=f"worker:{worker.pk}:{request.POST.get('form_key', '')}")
    elif action == "message":
        if not reason:
            raise WorkforceError(_("Write a message."), field="reason")
        audit_record(actor=request.user, action="workforce.message", target=worker, details={"message": reason})
    else:
        raise WorkforceError(_("Unknown action."), field="action")
    messages.success(request, _("Saved."))


@requires_roles(*WORKFORCE_ADMINS)
def payouts(request) -> HttpResponse:
    status = 200
    if request.method == "POST":
        try:
            _payout_action(request)
            return redirect("workforce:payouts")
        except WorkforceError as error:
            refuse(request, error)
            status = 400
    return render(request, "workforce/payouts.html", {
        "batches": PayoutBatch.objects.all()[:50], "platforms": ExternalPlatform.choices,
        "currency": settings.WORKFORCE_CURRENCY,
    }, status=status)


def _payout_action(request) -> None:
    from datetime import date

    action = request.POST.get("action", "")
    if action == "build":
        try:
            cutoff = date.fromisoformat(request.POST.get("cutoff", ""))
        except ValueError:
            raise WorkforceError(_("Give the cut-off as YYYY-MM-DD."), field="cutoff") from None
        result = payout_build(cutoff=cutoff, platform=request.POST.get("platform", ""),
                              currency=request.POST.get("currency") or None, actor=request.user)
        for worker in result.missing_external_id:
            messages.warning(request, _("No Prolific id, left out: %(u)s") % {"u": worker.username})
        if result.batch is None:
            messages.info(request, _("Nothing left to pay up to %(d)s.") % {"d": cutoff})
        return
    batch = get_object_or_404(PayoutBatch, pk=request.POST.get("batch") or 0)
    if action == "paid":
        payout_mark_paid(batch=batch, actor=request.user)
    elif action == "cancel":
        payout_cancel(batch=batch, reason=request.POST.get("reason", ""), actor=request.user)
    else:
        raise WorkforceError(_("Unknown action."), field="action")


@requires_roles(*WORKFORCE_ADMINS)
def payout_download(request, pk: int, fmt: str) -> HttpResponse:
    batch = get_object_or_404(PayoutBatch, pk=pk)
    try:
        data = payout_export(batch=batch, fmt=fmt, actor=request.user)
    except WorkforceError as error:
        return HttpResponse(error.message, status=400, content_type="text/plain; charset=utf-8")
    response = HttpResponse(data, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="payout-{batch.pk}-{fmt}.csv"'
    return response


@requires_roles(*WORKFORCE_ADMINS)
def fair_pay_page(request) -> HttpResponse:
    if request.method == "POST":
        kind = request.POST.get("kind", "")
        if kind not in UnitKind.values:
            messages.error(request, _("kind: unknown task kind."))
        else:
            added = fair_pay.fair_pay_top_up(kind=kind, actor=request.user)
            messages.success(request, _("Added %(n)d top-up rows.") % {"n": added})
        return redirect("workforce:fair-pay")
    return render(request, "workforce/fair_pay.html", {
        "rows": fair_pay.fair_pay_report(), "minimum": fair_pay.minimum_hourly(),
        "currency": settings.WORKFORCE_CURRENCY,
    })
