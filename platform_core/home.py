"""The role-aware home page: each app lists what its pages let each role do in ``<app>/home.py``."""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from platform_core.app_routes import app_modules
from platform_core.roles import Role


@dataclass(frozen=True)
class Capability:
    roles: tuple[str, ...]
    title: str | Promise
    description: str | Promise
    url_name: str


CORE_CAPABILITIES = (
    Capability((Role.ADMIN,), _("Administration"), _("Manage users, roles, characters and the corpus."), "admin:index"),
    Capability(
        tuple(Role.values), _("API documentation"), _("Browse the REST API and its OpenAPI schema."), "api-docs"
    ),
)

ROLE_INTROS = {
    Role.CROWDWORKER: _("Role-play in pairs as a character or a player, and write character prompts."),
    Role.ANNOTATOR: _(
        "Review synthetic dialogues, rewrite them into spoken style, and extract dialogues from literature."
    ),
    Role.ADMIN: _("Curate the corpus, manage workers, and export versioned datasets."),
    Role.RESEARCHER: _("Launch fine-tuning jobs, deploy models, and run evaluation campaigns."),
}


def all_capabilities() -> list[Capability]:
    found = list(CORE_CAPABILITIES)
    for _app, module in app_modules("home"):
        found.extend(module.CAPABILITIES)
    return found


def capabilities_for(user) -> list[dict]:
    """One section per role the user holds, each with the links that role may follow."""
    sections = []
    for role in Role:
        if role not in user.role_codes:
            continue
        links = []
        for capability in all_capabilities():
            if role not in capability.roles:
                continue
            try:
                url = reverse(capability.url_name)
            except NoReverseMatch:
                continue
            links.append({"title": capability.title, "description": capability.description, "url": url})
        sections.append({"role": role.label, "code": role.value, "intro": ROLE_INTROS[role], "links": links})
    return sections
