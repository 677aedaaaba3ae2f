"""Admin change lists never select a large column they do not show."""

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotation.models import ExtractionCandidate, LiteraryChapter, LiteraryWork
from platform_core.admin_lean import LeanAdminMixin, large_columns

PROJECT_APPS = {"platform_core", "roleplay", "annotation", "exports", "training", "evaluation", "workforce"}
BIG = "第一回 开篇\n" + "很长的正文。" * 20_000


def test_every_admin_of_the_project_is_lean():
    ours = [model_admin for model, model_admin in admin.site._registry.items() if model._meta.app_label in PROJECT_APPS]
    assert len(ours) > 20
    assert [type(a).__name__ for a in ours if not isinstance(a, LeanAdminMixin)] == []


@pytest.fixture
def big_work(db):
    work = LiteraryWork.objects.create(title="Big", language="zh-hans", text=BIG)
    chapter = LiteraryChapter.objects.create(work=work, index=0, title="第一回", start=0, end=len(BIG))
    for start in range(0, 50, 10):
        ExtractionCandidate.objects.create(work=work, chapter=chapter, start=start, end=start + 5, lines=[])
    return work


@pytest.mark.parametrize("model", [LiteraryWork, ExtractionCandidate, LiteraryChapter])
def test_change_lists_do_not_select_a_works_text(client, admin_user, big_work, model):
    client.force_login(admin_user)
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    text_column = '"annotation_literarywork"."text"'
    assert not [query["sql"] for query in queries if text_column in query["sql"]]
    assert "Big" in response.content.decode()


def test_foreign_key_choices_defer_the_related_models_large_columns(client, admin_user, big_work):
    client.force_login(admin_user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("admin:annotation_literarychapter_add"))
    assert response.status_code == 200
    assert not [query["sql"] for query in queries if '"annotation_literarywork"."text"' in query["sql"]]


def test_large_columns_names_text_and_json_fields():
    assert set(large_columns(LiteraryWork)) >= {"text"}
    assert "lines" in large_columns(ExtractionCandidate)
    assert "title" not in large_columns(LiteraryWork)
