"""Who may list, build and download exports (admins and researchers), through pages and the API."""

import io
import tarfile

import pytest

from exports.models import BuildStatus, ExportBuild, ExportSpec
from platform_core.models import AuditEvent
from platform_core.roles import Role
from tests.factories import TEST_PASSWORD


def _login(client, user):
    assert client.login(username=user.username, password=TEST_PASSWORD)
    return client


@pytest.fixture
def published(corpus, build_now, admin_user):
    return build_now(creator=admin_user)


@pytest.mark.parametrize("role", [Role.CROWDWORKER, Role.ANNOTATOR])
def test_other_roles_get_403_from_the_api_and_the_pages(client, make_user, published, role):
    _login(client, make_user(role))
    assert client.get("/api/exports/builds/").status_code == 403
    assert client.get(f"/api/exports/builds/{published.pk}/download/").status_code == 403
    assert client.post("/api/exports/specs/", {"name": "x"}, content_type="application/json").status_code == 403
    for path in ("/exports/", "/exports/new/", f"/exports/builds/{published.pk}/download/manifest.json"):
        response = client.get(path)
        assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="export.download").exists()


def test_anonymous_api_is_refused(client, published):
    assert client.get("/api/exports/builds/").status_code in (401, 403)


@pytest.mark.parametrize("role", [Role.ADMIN, Role.RESEARCHER])
def test_exporters_list_filter_and_download_with_an_audit_trail(client, make_user, published, role):
    user = make_user(role)
    _login(client, user)
    page = client.get("/exports/?status=published")
    link = f'href="/exports/builds/{published.pk}/"'
    assert page.status_code == 200 and f"{link}>v{published.version}</a>" in page.content.decode()
    # (not just "v1": the page's random CSRF token holds those two letters now and then)
    assert link not in client.get("/exports/?status=failed").content.decode()

    response = client.get(f"/exports/builds/{published.pk}/download/train/messages.jsonl")
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert body and body.count(b"\n") == published.stats["splits"]["train"]["messages_examples"]
    assert client.get(f"/exports/builds/{published.pk}/download/../../settings.py").status_code == 404

    archive = client.get(f"/exports/builds/{published.pk}/download/")
    members = tarfile.open(fileobj=io.BytesIO(b"".join(archive.streaming_content))).getnames()
    assert "troupe-v1/train/turns.parquet" in members and "troupe-v1/manifest.json" in members

    downloads = AuditEvent.objects.filter(action="export.download", actor=user)
    assert sorted(downloads.values_list("details__path", flat=True)) == ["*", "train/messages.jsonl"]


def test_build_page_shows_progress_while_running_and_files_once_published(client, admin_user, published):
    _login(client, admin_user)
    html = client.get(f"/exports/builds/{published.pk}/").content.decode()
    assert "train/messages.jsonl" in html and published.data_sha256 in html
    running = ExportBuild.objects.create(spec=published.spec, status=BuildStatus.RUNNING, progress=42)
    html = client.get(f"/exports/builds/{running.pk}/").content.decode()
    assert f'data-topic="export-{running.pk}"' in html and 'value="42"' in html and "progress.js" in html


def test_form_creates_a_spec_and_a_build_that_runs(client, researcher, corpus, django_capture_on_commit_callbacks):
    _login(client, researcher)
    form = {
        "name": "from the form",
        "statuses": ["accepted"],
        "prompt_variants": ["profile"],
        "prompt_mode": "each",
        "min_turns": 2,
        "train_ratio": 0.8,
        "validation_ratio": 0.1,
        "test_ratio": 0.1,
        "seed": 5,
        "near_duplicate_threshold": 0.9,
        "scrub_personal_data": "on",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/exports/new/", form)
    build = ExportBuild.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/exports/builds/{build.pk}/"
    build.refresh_from_db()
    assert build.status == BuildStatus.PUBLISHED and build.creator == researcher
    assert build.spec_snapshot["seed"] == 5


def test_form_with_bad_ratios_shows_the_error_and_stores_nothing(client, researcher):
    _login(client, researcher)
    form = {
        "name": "bad",
        "statuses": ["accepted"],
        "prompt_variants": ["profile"],
        "prompt_mode": "each",
        "min_turns": 2,
        "train_ratio": 0.8,
        "validation_ratio": 0.3,
        "test_ratio": 0.1,
        "seed": 0,
        "near_duplicate_threshold": 0.9,
    }
    response = client.post("/exports/new/", form)
    assert response.status_code == 200
    assert "must add up to 1" in response.content.decode()
    assert ExportSpec.objects.count() == 0 and ExportBuild.objects.count() == 0


def test_api_creates_spec_and_build_and_reports_field_errors(
    client, admin_user, corpus, django_capture_on_commit_callbacks
):
    _login(client, admin_user)
    bad = client.post(
        "/api/exports/specs/", {"name": "x", "statuses": ["shiny"], "min_turns": -1}, content_type="application/json"
    )
    assert bad.status_code == 400
    assert "statuses" in bad.json() and "min_turns" in bad.json()
    spec = client.post(
        "/api/exports/specs/",
        {"name": "api spec", "split": {"train": 0.6, "validation": 0.2, "test": 0.2}},
        content_type="application/json",
    )
    assert spec.status_code == 201 and spec.json()["train_ratio"] == 0.6
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post("/api/exports/builds/", {"spec": spec.json()["id"]}, content_type="application/json")
    assert created.status_code == 201
    detail = client.get(f"/api/exports/builds/{created.json()['id']}/").json()
    assert detail["status"] == "published" and detail["version"] == 1 and len(detail["data_sha256"]) == 64
    listing = client.get("/api/exports/builds/?status=published").json()
    assert [row["id"] for row in listing["results"]] == [detail["id"]]
    bad_build = client.post("/api/exports/builds/", {"spec_data": {"train_ratio": 2}}, content_type="application/json")
    assert bad_build.status_code == 400 and "spec_data" in bad_build.json()
    file = client.get(f"/api/exports/builds/{detail['id']}/download/?file=test/characterglm.jsonl")
    assert file.status_code == 200 and b"session_meta" in b"".join(file.streaming_content)
    assert client.get(f"/api/exports/builds/{detail['id']}/download/?file=/etc/passwd").status_code == 404


def test_retrying_a_published_build_is_refused(client, admin_user, published):
    _login(client, admin_user)
    response = client.post(f"/api/exports/builds/{published.pk}/retry/")
    assert response.status_code == 400 and "status" in response.json()


def test_home_page_lists_exports_for_exporters_only(client, make_user):
    _login(client, make_user(Role.RESEARCHER))
    assert "/exports/" in client.get("/").content.decode()
    client.logout()
    _login(client, make_user(Role.CROWDWORKER))
    assert "/exports/" not in client.get("/").content.decode()


def test_admin_lists_builds_with_a_download_link(client, admin_user, published):
    _login(client, admin_user)
    html = client.get("/admin/exports/exportbuild/?status__exact=published").content.decode()
    assert f"/exports/builds/{published.pk}/download/" in html
    assert client.get(f"/admin/exports/exportbuild/{published.pk}/change/").status_code == 200


def test_api_specs_are_created_by_the_service_with_their_author(client, admin_user, corpus):
    _login(client, admin_user)
    alone = client.post("/api/exports/specs/", {"name": "by api"}, content_type="application/json")
    with_build = client.post(
        "/api/exports/builds/", {"spec_data": {"name": "with a build", "seed": 3}}, content_type="application/json"
    )
    assert alone.status_code == 201 and with_build.status_code == 201
    spec = ExportSpec.objects.get(pk=alone.json()["id"])
    built = ExportBuild.objects.get(pk=with_build.json()["id"])
    assert spec.created_by == admin_user and spec.name == "by api"
    assert built.spec.created_by == admin_user and built.spec.seed == 3
    assert built.spec_snapshot["name"] == "with a build"
