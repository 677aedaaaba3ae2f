from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from platform_core.models import User
from workforce.models import ParticipantOutcome, Study, StudyParticipant, UnitKind, WorkerExternalId
from workforce.services.units import unit_open, unit_submit

from .test_onboarding import onboarding  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def study(db):
    return Study.objects.create(slug="round-1", name="Round 1", qualifications=["play_character"], required_units=1,
                                completion_code="C0MPL3T3", failed_attention_code="FA1L3D", quota=2)


def _arrive(client, pid="PID123", **extra):
    params = {"PROLIFIC_PID": pid, "STUDY_ID": "S1", "SESSION_ID": "X9", **extra}
    return client.get(reverse("workforce:study", kwargs={"slug": "round-1"}), params)


def test_arrival_creates_a_signed_in_worker_without_a_password(client, study):
    response = _arrive(client)
    assert response.status_code == 302 and response["Location"].endswith("/workforce/study/round-1/home/")
    worker = User.objects.get(external_ids__external_id="PID123")
    assert not worker.has_usable_password()
    assert "crowdworker" in worker.role_codes
    participant = StudyParticipant.objects.get()
    assert (participant.platform_study_id, participant.platform_session_id) == ("S1", "X9")
    assert client.get(response["Location"]).status_code == 200


def test_returning_participant_is_linked_not_duplicated(client, study):
    _arrive(client)
    client.logout()
    _arrive(client)
    assert WorkerExternalId.objects.count() == 1 and StudyParticipant.objects.count() == 1


def test_a_link_without_an_id_is_refused_and_nothing_stored(client, study):
    response = client.get(reverse("workforce:study", kwargs={"slug": "round-1"}), {"STUDY_ID": "S1"})
    assert response.status_code == 400
    assert b"PROLIFIC_PID" in response.content
    assert not User.objects.filter(external_ids__isnull=False).exists()
    assert not StudyParticipant.objects.exists()


def test_quota_and_end_date_close_the_study(client, study):
    _arrive(client, "A1")
    _arrive(client, "A2")
    assert _arrive(client, "A3").status_code == 400
    Study.objects.filter(pk=study.pk).update(quota=10, ends_at=timezone.now() - timedelta(minutes=1))
    assert _arrive(client, "A4").status_code == 400
    assert StudyParticipant.objects.count() == 2


def test_completion_code_after_onboarding_and_work(client, study, onboarding):  # noqa: F811
    _arrive(client)
    worker = User.objects.get(external_ids__external_id="PID123")
    finish = reverse("workforce:study-complete", kwargs={"slug": "round-1"})
    assert b"C0MPL3T3" not in client.post(finish, follow=True).content
    attempt_url = client.post(reverse("workforce:onboarding", kwargs={"pk": onboarding.pk}))["Location"]
    answers = {f"q{q.pk}": q.correct_index for q in onboarding.questions.all()}
    client.post(attempt_url, answers)
    unit_submit(unit=unit_open(worker=worker, kind=UnitKind.LIVE_CHARACTER, subject_id=1), active_seconds=5)
    response = client.post(finish)
    assert b"C0MPL3T3" in response.content
    assert StudyParticipant.objects.get().outcome == ParticipantOutcome.COMPLETED


def test_completion_url_redirects(client, study, onboarding):  # noqa: F811
    Study.objects.filter(pk=study.pk).update(completion_url="https://app.prolific.com/submissions/complete?cc=X",
                                             qualifications=[], required_units=0)
    _arrive(client)
    response = client.post(reverse("workforce:study-complete", kwargs={"slug": "round-1"}))
    assert response.status_code == 302 and response["Location"].startswith("https://app.prolific.com/")


def test_failed_attention_check_gives_its_own_code(client, study, onboarding):  # noqa: F811
    _arrive(client)
    attempt_url = client.post(reverse("workforce:onboarding", kwargs={"pk": onboarding.pk}))["Location"]
    questions = list(onboarding.questions.all())
    client.post(attempt_url, {f"q{q.pk}": (1 - q.correct_index if q.attention_check else q.correct_index)
                              for q in questions})
    response = client.post(reverse("workforce:study-complete", kwargs={"slug": "round-1"}))
    assert b"FA1L3D" in response.content and b"C0MPL3T3" not in response.content
    assert StudyParticipant.objects.get().outcome == ParticipantOutcome.FAILED_ATTENTION
