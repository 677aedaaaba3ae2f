"""Every app and model of Troupe has a zh-Hans name and plural, as the Django admin shows them."""

import pytest
from django.apps import apps
from django.utils import translation

from tests.factories import UserFactory

OUR_APPS = ("platform_core", "roleplay", "annotation", "exports", "training", "evaluation", "workforce")


def _our_models():
    return [model for app in apps.get_app_configs() if app.name in OUR_APPS for model in app.get_models()]


def _in(language: str, text) -> str:
    with translation.override(language):
        return str(text)


@pytest.mark.parametrize("app", [a for a in apps.get_app_configs() if a.name in OUR_APPS], ids=lambda a: a.label)
def test_every_app_name_is_translated(app):
    assert _in("zh-hans", app.verbose_name) != _in("en", app.verbose_name)


@pytest.mark.parametrize("model", _our_models(), ids=lambda m: m._meta.label)
def test_every_model_has_a_translated_name_and_plural(model):
    meta = model._meta
    assert "verbose_name_plural" in meta.original_attrs, f"{meta.label} has no verbose_name_plural"
    for name in (meta.verbose_name, meta.verbose_name_plural):
        assert _in("zh-hans", name) != _in("en", name), f"{meta.label}: {name!r} has no zh-Hans translation"


@pytest.mark.django_db
def test_the_admin_index_in_chinese_has_no_english_plural_s(client):
    client.force_login(UserFactory(roles=["admin"], is_superuser=True))
    client.cookies["django_language"] = "zh-hans"
    page = client.get("/admin/").content.decode()
    assert "人物" in page and "人物s" not in page
    assert "标注" in page and "Annotation" not in page
