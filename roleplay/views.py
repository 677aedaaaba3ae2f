from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from platform_core.permissions import ANY_ROLE, requires_roles
from platform_core.roles import Role
from roleplay import selectors, services
from roleplay.forms import CharacterForm
from roleplay.models import Character, CharacterCategory, Dialogue, DialogueSource, DialogueStatus, Language

CHARACTER_EDITORS = (Role.ADMIN, Role.ANNOTATOR, Role.RESEARCHER)
CORPUS_READERS = (Role.ADMIN, Role.ANNOTATOR, Role.RESEARCHER)


def _filtered(queryset, request: HttpRequest, allowed: dict[str, list[str]]):
    for field, values in allowed.items():
        value = request.GET.get(field)
        if value in values:
            queryset = queryset.filter(**{field: value})
    return queryset


@requires_roles(*ANY_ROLE)
def character_list(request: HttpRequest) -> HttpResponse:
    characters = _filtered(
        selectors.characters_with_counts(), request, {"category": CharacterCategory.values, "language": Language.values}
    )
    query = request.GET.get("q", "").strip()
    if query:
        characters = characters.filter(name__icontains=query)
    page = Paginator(characters, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "roleplay/character_list.html",
        {
            "page": page,
            "categories": CharacterCategory.choices,
            "language_choices": Language.choices,
            "query": query,
            "can_edit": bool(request.user.role_codes.intersection(CHARACTER_EDITORS)),
        },
    )


@requires_roles(*ANY_ROLE)
def character_detail(request: HttpRequest, pk: int) -> HttpResponse:
    character = get_object_or_404(Character, pk=pk)
    return render(
        request,
        "roleplay/character_detail.html",
        {
            "character": character,
            "prompts": character.prompts.all(),
            "can_edit": bool(request.user.role_codes.intersection(CHARACTER_EDITORS)),
        },
    )


@requires_roles(*CHARACTER_EDITORS)
def character_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    character = get_object_or_404(Character, pk=pk) if pk else None
    form = CharacterForm(request.POST or None, instance=character)
    if request.method == "POST" and form.is_valid():
        try:
            if character is None:
                character = services.character_create(author=request.user, **form.cleaned_data)
            else:
                character = services.character_update(character=character, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Character saved."))
            return redirect("roleplay:character-detail", pk=character.pk)
    return render(request, "roleplay/character_form.html", {"form": form, "character": character})


@requires_roles(*CORPUS_READERS)
def dialogue_list(request: HttpRequest) -> HttpResponse:
    dialogues = _filtered(
        selectors.dialogues_for_listing(), request, {"source": DialogueSource.values, "status": DialogueStatus.values}
    )
    page = Paginator(dialogues, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "roleplay/dialogue_list.html",
        {
            "page": page,
            "sources": DialogueSource.choices,
            "statuses": DialogueStatus.choices,
        },
    )


@requires_roles(*CORPUS_READERS)
def dialogue_detail(request: HttpRequest, pk: int) -> HttpResponse:
    dialogue = get_object_or_404(Dialogue.objects.select_related("character", "player_persona", "model_version"), pk=pk)
    return render(
        request, "roleplay/dialogue_detail.html", {"dialogue": dialogue, "turns": selectors.dialogue_turns(dialogue)}
    )
