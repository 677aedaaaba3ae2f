"""schemathesis against ``/api/schema/`` for every role: no response >= 500, none that breaks the schema.

Every operation of the published schema gets ``SCHEMATHESIS_EXAMPLES`` positive and as many negative
examples (derandomized, so a run is repeatable), sent through the real middleware stack as each role
and anonymously, against the demo corpus plus a published export build, a training job and claimed
annotation tasks (so ids hit real rows, referenced ones included). The Celery ping is answered by a
stand-in worker (tests start none). The totals (requests, 5xx, violations) are printed and written to
``var/schemathesis-report.json``. ``SCHEMATHESIS_EXAMPLES`` (default 6) raises the count.
"""

import json
import os
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
import schemathesis
from django.conf import settings
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from platform_core.models import User
from platform_core.roles import Role
from tests.factories import ExportSpecFactory

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "6"))
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
IDENTITIES = [None, *Role.values]
TOTALS: Counter = Counter({"requests": 0, "5xx": 0, "violations": 0})

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    """The schema as ``/api/schema/`` serves it. Requests run inside each test's transaction, so the
    handler must not close the connection around them (Django's test client does the same)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        with django_db_blocker.unblock():
            yield schemathesis.openapi.from_wsgi("/api/schema/", WSGIHandler())
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def corpus(db, settings, tmp_path, monkeypatch):
    """The demo data, one published export build, a training job and a claimed task per worker."""
    from annotation.models import AnnotationTask, TaskKind, TaskStatus
    from exports.services import export_build_create, export_build_run
    from roleplay.models import Dialogue
    from training.models import TrainingJob

    # The ping waits for Celery workers, which unit tests do not start: one answers at once here.
    monkeypatch.setattr("platform_core.api.celery_ping", lambda timeout: ["celery@test"])
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TRAINING_OUTPUT_DIR = tmp_path / "training"
    call_command("seed_demo", stdout=open(os.devnull, "w"))
    build = export_build_run(build=export_build_create(spec=ExportSpecFactory(), enqueue=False))
    TrainingJob.objects.create(name="job", export_build=build, base_model="/models/tiny")
    dialogues = iter(Dialogue.objects.order_by("pk"))
    for slot, user in enumerate(User.objects.all(), start=1):
        AnnotationTask.objects.create(
            kind=TaskKind.REWRITE_REVIEW,
            status=TaskStatus.CLAIMED,
            assignee=user,
            dialogue=next(dialogues),
            slot=slot,
            claimed_at=timezone.now(),
            claim_expires_at=timezone.now() + timedelta(hours=1),
        )
    return build


def _headers(identity: str | None) -> dict[str, str]:
    if identity is None:
        return {}
    user = User.objects.filter(role_grants__role=identity).order_by("pk").first()
    token, _ = Token.objects.get_or_create(user=user)
    return {"Authorization": f"Token {token.key}"}


def _summary(error: BaseException) -> str:
    """The failed checks' titles and first lines, from schemathesis' long report."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    found = [f"{line} ({lines[i + 1]})" for i, line in enumerate(lines[:-1]) if line.startswith("- ST")]
    return "; ".join(found) or lines[0]


def _fuzz(operation, mode: GenerationMode, headers: dict, failures: list) -> None:
    @hypothesis_settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        TOTALS["requests"] += 1
        response = case.call(headers=headers)
        if response.status_code >= 500:
            TOTALS["5xx"] += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except (AssertionError, BaseExceptionGroup) as error:  # every failed check, collected for one report
            TOTALS["violations"] += 1
            failures.append(f"{case.operation.label} -> {response.status_code}: {_summary(error)}")

    try:
        run()
    except Unsatisfiable:  # nothing to make invalid (no parameters and no body): positive cases only
        TOTALS["operations without negative cases"] += 1


@pytest.mark.parametrize("identity", IDENTITIES, ids=[str(i) for i in IDENTITIES])
def test_no_server_error_and_no_schema_violation_for_any_role(schema, corpus, identity):
    headers = _headers(identity)
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _fuzz(operation, mode, headers, failures)
    _write_report()
    assert not failures, "\n".join(sorted(set(failures)))


def _write_report() -> None:
    report = Path(settings.VAR_DIR) / "schemathesis-report.json"
    report.write_text(json.dumps(dict(TOTALS), indent=1))
    print(f"schemathesis: {dict(TOTALS)}")
