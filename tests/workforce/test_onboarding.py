from datetime import timedelta

import pytest
from django.utils import timezone

from platform_core.models import AuditEvent
from workforce.models import Onboarding, QuizAttempt, QuizQuestion
from workforce.services.errors import WorkforceError
from workforce.services.onboarding import attempt_start, attempt_submit
from workforce.services.qualifications import qualifications_held

pytestmark = pytest.mark.django_db


@pytest.fixture
def onboarding(db):
    quiz = Onboarding.objects.create(qualification="play_character", title_en="Playing a character",
                                     title_zh="扮演角色", instructions_en="Stay in character.",
                                     instructions_zh="保持角色。", pass_threshold="0.6", max_attempts=2,
                                     cooldown_minutes=30)
    QuizQuestion.objects.create(onboarding=quiz, order=1, text_en="Break character?", text_zh="可以出戏吗？",
                                choices_en=["Yes", "No"], choices_zh=["可以", "不可以"], correct_index=1,
                                explanation_en="Never.", explanation_zh="不可以。")
    QuizQuestion.objects.create(onboarding=quiz, order=2, text_en="Pick blue", choices_en=["red", "blue"],
                                correct_index=1, attention_check=True)
    QuizQuestion.objects.create(onboarding=quiz, order=3, text_en="Greet first?", choices_en=["Yes", "No"],
                                correct_index=0, explanation_en="The character greets first.")
    quiz.refresh_from_db()
    return quiz


@pytest.fixture
def newcomer(make_user):
    return make_user("crowdworker")


def _answers(quiz, *choices):
    return {str(q.pk): c for q, c in zip(quiz.questions.all(), choices, strict=True)}


def test_passing_grants_the_qualification_and_audits_it(onboarding, newcomer):
    attempt = attempt_start(worker=newcomer, onboarding=onboarding)
    done = attempt_submit(attempt_id=attempt.pk, worker=newcomer, answers=_answers(onboarding, 1, 1, 0))
    assert done.passed
    assert "play_character" in qualifications_held(worker=newcomer)
    newcomer.profile.refresh_from_db()
    assert newcomer.profile.can_play_character
    assert AuditEvent.objects.filter(action="workforce.qualification.grant", target_id=str(newcomer.pk)).exists()


def test_failing_waits_for_the_cooldown_then_runs_out_of_attempts(onboarding, newcomer):
    first = attempt_start(worker=newcomer, onboarding=onboarding)
    attempt_submit(attempt_id=first.pk, worker=newcomer, answers=_answers(onboarding, 0, 1, 1))
    with pytest.raises(WorkforceError) as error:
        attempt_start(worker=newcomer, onboarding=onboarding)
    assert error.value.code == "cooldown"
    QuizAttempt.objects.filter(pk=first.pk).update(submitted_at=timezone.now() - timedelta(hours=1))
    second = attempt_start(worker=newcomer, onboarding=onboarding)
    attempt_submit(attempt_id=second.pk, worker=newcomer, answers=_answers(onboarding, 0, 0, 1))
    QuizAttempt.objects.filter(pk=second.pk).update(submitted_at=timezone.now() - timedelta(hours=1))
    with pytest.raises(WorkforceError) as error:
        attempt_start(worker=newcomer, onboarding=onboarding)
    assert error.value.code == "no_attempts"
    assert "play_character" not in qualifications_held(worker=newcomer)


def test_an_answer_for_another_workers_attempt_is_refused_and_nothing_stored(onboarding, newcomer, make_user):
    attempt = attempt_start(worker=newcomer, onboarding=onboarding)
    intruder = make_user("crowdworker")
    with pytest.raises(WorkforceError) as error:
        attempt_submit(attempt_id=attempt.pk, worker=intruder, answers=_answers(onboarding, 1, 1, 0))
    assert error.value.code == "not_yours"
    attempt.refresh_from_db()
    assert attempt.submitted_at is None and attempt.answers == {}


def test_unanswered_or_impossible_choices_are_refused(onboarding, newcomer):
    attempt = attempt_start(worker=newcomer, onboarding=onboarding)
    first, second, third = onboarding.questions.all()
    with pytest.raises(WorkforceError) as error:
        attempt_submit(attempt_id=attempt.pk, worker=newcomer, answers={str(first.pk): 1})
    assert error.value.field == f"q{second.pk}"
    with pytest.raises(WorkforceError):
        attempt_submit(attempt_id=attempt.pk, worker=newcomer,
                       answers={str(first.pk): 7, str(second.pk): 1, str(third.pk): 0})
    attempt.refresh_from_db()
    assert attempt.submitted_at is None


def test_a_failed_attention_check_fails_even_above_the_threshold(onboarding, newcomer):
    attempt = attempt_start(worker=newcomer, onboarding=onboarding)
    done = attempt_submit(attempt_id=attempt.pk, worker=newcomer, answers=_answers(onboarding, 1, 0, 0))
    assert done.score >= onboarding.pass_threshold
    assert not done.passed and done.failed_attention_check
