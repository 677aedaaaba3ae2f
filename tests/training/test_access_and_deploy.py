"""Who may launch, cancel and deploy; what deploying and rolling back do; the job pages."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from platform_core.models import AuditEvent
from platform_core.roles import Role
from tests.factories import ModelVersionFactory
from training.models import Deployment, JobStatus, TrainingJob
from training.selectors import active_model_version
from training.services import JobRefused, deployment_rollback, model_version_deploy


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _job_payload(build, base_model) -> dict:
    return {"export_build": build.pk, "base_model": str(base_model), "hyperparameters": {"max_steps": 2}}


@pytest.mark.parametrize("role", [Role.CROWDWORKER, Role.ANNOTATOR, Role.ADMIN])
def test_only_researchers_launch_training_jobs(role, make_user, published_build, tiny_model_dir):
    response = _api(make_user(role)).post(
        "/api/training/jobs/", _job_payload(published_build, tiny_model_dir), format="json"
    )
    assert response.status_code == 403
    assert not TrainingJob.objects.exists()


def test_researcher_launches_a_job_that_waits_on_the_training_queue(researcher, published_build, tiny_model_dir):
    response = _api(researcher).post(
        "/api/training/jobs/", _job_payload(published_build, tiny_model_dir), format="json"
    )
    assert response.status_code == 201, response.content
    job = TrainingJob.objects.get()
    assert (job.status, job.creator, job.hyperparameters["max_steps"]) == (JobStatus.QUEUED, researcher, 2)
    assert AuditEvent.objects.filter(action="training.job_create", target_id=str(job.pk)).exists()


def test_launch_with_a_bad_base_model_answers_400_naming_the_field(researcher, published_build):
    payload = _job_payload(published_build, "/nonexistent/model")
    response = _api(researcher).post("/api/training/jobs/", payload, format="json")
    assert response.status_code == 400 and "base_model" in response.json()
    response = _api(researcher).post(
        "/api/training/jobs/", {**payload, "hyperparameters": {"lora_r": 0}}, format="json"
    )
    assert response.status_code == 400
    assert not TrainingJob.objects.exists()


@pytest.mark.parametrize("role", [Role.CROWDWORKER, Role.ANNOTATOR, Role.ADMIN])
def test_only_researchers_deploy_models(role, make_user):
    version = ModelVersionFactory()
    response = _api(make_user(role)).post(f"/api/training/models/{version.pk}/deploy/")
    assert response.status_code == 403
    assert active_model_version() is None


def test_deploy_switches_the_active_model_and_keeps_the_previous_for_rollback(researcher):
    first, second = ModelVersionFactory(), ModelVersionFactory()
    assert _api(researcher).post(f"/api/training/models/{first.pk}/deploy/").status_code == 201
    assert _api(researcher).post(f"/api/training/models/{second.pk}/deploy/").status_code == 201
    assert active_model_version() == second
    old = Deployment.objects.get(model_version=first)
    assert old.active is False and old.retired_at is not None
    assert Deployment.objects.filter(active=True).count() == 1
    events = AuditEvent.objects.filter(action="training.deploy").order_by("id")
    assert [e.actor for e in events] == [researcher, researcher]
    assert events.last().details["replaced"] == first.pk

    response = _api(researcher).post("/api/training/deployments/rollback/")
    assert response.status_code == 201
    assert active_model_version() == first


def test_deploying_the_active_model_again_or_rolling_back_with_no_history_is_refused(researcher):
    version = ModelVersionFactory()
    with pytest.raises(JobRefused):
        deployment_rollback(actor=researcher)
    model_version_deploy(version=version, actor=researcher)
    response = _api(researcher).post(f"/api/training/models/{version.pk}/deploy/")
    assert response.status_code == 409 and response.json()["code"] == "already_active"


def test_generation_settings_are_validated_per_model_version(researcher, admin_user):
    version = ModelVersionFactory()
    url = f"/api/training/models/{version.pk}/"
    assert _api(admin_user).patch(url, {"generation_settings": {"temperature": 0.3}}, format="json").status_code == 403
    bad = _api(researcher).patch(url, {"generation_settings": {"temperature": 7}}, format="json")
    assert bad.status_code == 400 and "generation_settings" in bad.json()
    good = _api(researcher).patch(
        url, {"generation_settings": {"temperature": 0.3, "max_new_tokens": 64}}, format="json"
    )
    assert good.status_code == 200
    version.refresh_from_db()
    assert version.generation_settings == {"temperature": 0.3, "max_new_tokens": 64}


def test_researcher_launches_from_the_page_and_sees_the_live_chart(client, researcher, published_build, tiny_model_dir):
    client.force_login(researcher)
    response = client.post(
        reverse("training:job-create"),
        {
            "export_build": published_build.pk,
            "base_model": str(tiny_model_dir),
            "method": "lora",
            "hardware": "cpu",
            "num_gpus": 1,
            "epochs": 1,
            "max_steps": 3,
            "batch_size": 2,
            "max_length": 128,
            "packing": "on",
            "lora_r": 4,
            "lora_alpha": 8,
            "lora_targets": "q_proj,v_proj",
            "seed": 1,
            "save_steps": 10,
        },
    )
    job = TrainingJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("training:job-detail", args=[job.pk])
    assert job.hyperparameters["lora_targets"] == "q_proj,v_proj" and job.hyperparameters["packing"] is True
    page = client.get(response["Location"])
    assert b'data-testid="loss-chart"' in page.content and f"training-{job.pk}".encode() in page.content
    metrics = client.get(f"/api/training/jobs/{job.pk}/metrics/?after=0").json()
    assert metrics["status"] == "queued" and metrics["events"] == []


def test_page_form_shows_the_base_model_error(client, researcher, published_build):
    client.force_login(researcher)
    response = client.post(
        reverse("training:job-create"),
        {
            "export_build": published_build.pk,
            "base_model": "relative/path",
            "method": "lora",
            "hardware": "cpu",
            "num_gpus": 1,
            "epochs": 1,
            "max_steps": -1,
            "batch_size": 2,
            "max_length": 128,
            "lora_r": 4,
            "lora_alpha": 8,
            "lora_targets": "all-linear",
            "seed": 1,
            "save_steps": 10,
        },
    )
    assert response.status_code == 200
    assert "absolute path" in response.content.decode()
    assert not TrainingJob.objects.exists()


def test_crowdworker_cannot_open_training_pages(client, crowdworker):
    client.force_login(crowdworker)
    for name in ("training:job-list", "training:job-create", "training:model-list"):
        response = client.get(reverse(name))
        assert response.status_code == 403
