"""Onboarding quizzes: start an attempt, submit answers, grant the qualification on a pass."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from platform_core.models import User
from workforce.models import Onboarding, QuizAttempt
from workforce.services.errors import WorkforceError
from workforce.services.qualifications import qualification_grant, qualifications_held


@dataclass(frozen=True)
class OnboardingStatus:
    onboarding: Onboarding
    held: bool
    attempts_used: int
    next_attempt_at: datetime | None  # None: may start now (or holds it, or no attempts left)
    attempts_left: int


def onboarding_status(*, worker: User, onboarding: Onboarding, now: datetime | None = None) -> OnboardingStatus:
    now = now or timezone.now()
    held = onboarding.qualification in qualifications_held(worker=worker)
    done = list(QuizAttempt.objects.filter(worker=worker, onboarding=onboarding, submitted_at__isnull=False)
                .order_by("-submitted_at"))
    left = max(0, onboarding.max_attempts - len(done))
    wait_until = None
    if done and not done[0].passed and left:
        ready = done[0].submitted_at + timedelta(minutes=onboarding.cooldown_minutes)
        wait_until = ready if ready > now else None
    return OnboardingStatus(onboarding, held, len(done), wait_until, left)


def attempt_start(*, worker: User, onboarding: Onboarding) -> QuizAttempt:
    """The worker's open attempt, or a new one when the cooldown and the attempt limit allow it."""
    if not onboarding.active:
        raise WorkforceError(_("This onboarding is closed."), field="onboarding")
    status = onboarding_status(worker=worker, onboarding=onboarding)
    if status.held:
        raise WorkforceError(_("You already hold this qualification."), field="onboarding", code="held")
    open_attempt = QuizAttempt.objects.filter(worker=worker, onboarding=onboarding, submitted_at__isnull=True).first()
    if open_attempt:
        return open_attempt
    if not status.attempts_left:
        raise WorkforceError(_("You have used all %(n)d attempts for this qualification.")
                             % {"n": onboarding.max_attempts}, field="onboarding", code="no_attempts")
    if status.next_attempt_at:
        when = timezone.localtime(status.next_attempt_at).strftime("%Y-%m-%d %H:%M")
        raise WorkforceError(_("You can try again after %(when)s.") % {"when": when}, field="onboarding",
                             code="cooldown")
    try:
        with transaction.atomic():
            return QuizAttempt.objects.create(worker=worker, onboarding=onboarding)
    except IntegrityError:  # two tabs at once: the other one's attempt
        return QuizAttempt.objects.get(worker=worker, onboarding=onboarding, submitted_at__isnull=True)


def _answers_parse(attempt: QuizAttempt, answers: dict) -> dict[int, int]:
    questions = list(attempt.onboarding.questions.all())
    parsed = {}
    for question in questions:
        raw = answers.get(str(question.pk), answers.get(question.pk))
        try:
            choice = int(raw)
        except (TypeError, ValueError):
            raise WorkforceError(_("Answer every question."), field=f"q{question.pk}") from None
        if not 0 <= choice < len(question.choices_en):
            raise WorkforceError(_("That choice is not one of the answers."), field=f"q{question.pk}")
        parsed[question.pk] = choice
    return parsed


def attempt_submit(*, attempt_id: int, worker: User, answers: dict) -> QuizAttempt:
    """Score the answers; a pass grants the qualification (audited). Refuses another worker's attempt."""
    with transaction.atomic():
        attempt = QuizAttempt.objects.select_for_update().select_related("onboarding").filter(pk=attempt_id).first()
        if attempt is None or attempt.worker_id != worker.pk:
            raise WorkforceError(_("This quiz attempt is not yours."), field="attempt", code="not_yours")
        if attempt.submitted_at is not None:
            raise WorkforceError(_("This attempt was already submitted."), field="attempt", code="submitted")
        parsed = _answers_parse(attempt, answers)
        questions = list(attempt.onboarding.questions.all())
        correct = sum(1 for q in questions if parsed[q.pk] == q.correct_index)
        attempt.answers = {str(k): v for k, v in parsed.items()}
        attempt.score = (Decimal(correct) / Decimal(len(questions))).quantize(Decimal("0.001")) if questions else 1
        attempt.failed_attention_check = any(q.attention_check and parsed[q.pk] != q.correct_index for q in questions)
        attempt.passed = attempt.score >= attempt.onboarding.pass_threshold and not attempt.failed_attention_check
        attempt.submitted_at = timezone.now()
        attempt.save()
        if attempt.passed:
            qualification_grant(worker=worker, qualification=attempt.onboarding.qualification, actor=None,
                                reason=_("Passed the onboarding quiz (score %(s)s).") % {"s": attempt.score})
    if attempt.failed_attention_check:
        from workforce.services.studies import participations_fail_attention

        participations_fail_attention(worker=worker)
    return attempt
