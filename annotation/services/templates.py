"""Prompt templates: the defaults, the latest version of a kind, new templates and revisions."""

from __future__ import annotations

from django.db import transaction

from annotation.models import PromptTemplate, TemplateKind
from platform_core.models import User

DEFAULT_TEMPLATES: dict[str, tuple[str, str, str]] = {
    TemplateKind.CHARACTER: (
        "character-profile",
        "You write character profiles for a role-play dataset. Answer with one JSON object only.",
        'Invent character number $index in the category "$category". Write every value in the language '
        '"$language". Answer with a JSON object with the keys name, identity, interests, viewpoints, '
        "experiences, achievements, social_relationships, others (strings), catchphrases and "
        "frequent_phrases (lists of strings), dialect, stylistic_features, personality, greeting (strings).",
    ),
    TemplateKind.DIALOGUE: (
        "character-dialogue",
        "You write natural role-play conversations. Answer with one JSON object only.",
        'Here is a character in the category "$category":\n$profile\n\nWrite a conversation of $turns turns '
        'in the language "$language" between $name and a player who chats with them. Answer with a JSON '
        'object: {"topic": string, "player": {"name": string, "description": string}, '
        '"turns": [{"speaker": "character" or "player", "text": string}, ...]}.',
    ),
    TemplateKind.SUMMARY: (
        "prompt-summary",
        "",
        'Summarise this description of the character $name in a few sentences, in the language "$language". '
        "Answer with the summary only.\n\n$prompt",
    ),
    TemplateKind.PARAPHRASE: (
        "prompt-paraphrase",
        "",
        'Paraphrase this description of the character $name, keeping every fact, in the language "$language". '
        "Answer with the paraphrase only.\n\n$prompt",
    ),
    TemplateKind.STYLIZED: (
        "prompt-stylized",
        "",
        "Rewrite this description of $name in the first person, in $name's own voice and speaking style, in "
        'the language "$language". Answer with the rewritten description only.\n\n$prompt',
    ),
}


def templates_ensure_defaults() -> None:
    """Store version 1 of each default template the first time templates are needed."""
    for kind, (name, system_text, text) in DEFAULT_TEMPLATES.items():
        if not PromptTemplate.objects.filter(kind=kind).exists():
            PromptTemplate.objects.get_or_create(
                name=name, version=1, defaults={"kind": kind, "system_text": system_text, "text": text}
            )


def template_latest(*, kind: str) -> PromptTemplate:
    templates_ensure_defaults()
    return PromptTemplate.objects.filter(kind=kind).order_by("-created_at", "-version").first()


@transaction.atomic
def template_create(*, name: str, kind: str, text: str, system_text: str = "", author: User | None) -> PromptTemplate:
    template = PromptTemplate(name=name, kind=kind, text=text, system_text=system_text, created_by=author)
    template.full_clean()
    template.save()
    return template


@transaction.atomic
def template_revise(*, template: PromptTemplate, text: str, system_text: str, author: User | None) -> PromptTemplate:
    """A new version of ``template``; batches that used an older version keep pointing at it."""
    latest = PromptTemplate.objects.select_for_update().filter(name=template.name).order_by("-version").first()
    revised = PromptTemplate(
        name=template.name,
        kind=template.kind,
        version=latest.version + 1,
        text=text,
        system_text=system_text,
        created_by=author,
    )
    revised.full_clean()
    revised.save()
    return revised


def choice_label(value: str, choices) -> str:
    """The display label of a choice value, for filling a template."""
    return str(dict(choices.choices).get(value, value))
