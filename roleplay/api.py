from django.utils.translation import gettext_lazy as _
from rest_framework import mixins, viewsets

from platform_core.api_input import choice_filter, id_filter
from platform_core.permissions import ANY_ROLE, owned_by
from roleplay import services
from roleplay.models import (
    Character,
    CharacterCategory,
    CharacterPrompt,
    CharacterSource,
    Dialogue,
    DialogueSource,
    DialogueStatus,
    Language,
    PlayerPersona,
)
from roleplay.serializers import (
    CharacterPromptSerializer,
    CharacterSerializer,
    DialogueSerializer,
    PlayerPersonaSerializer,
)
from roleplay.views import CHARACTER_EDITORS, CORPUS_READERS

READ_ACTIONS = ("list", "retrieve")


def _roles(read: tuple[str, ...], write: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    return {**{action: read for action in READ_ACTIONS}, "*": write}


class CharacterViewSet(viewsets.ModelViewSet):
    """Character profiles. Everyone signed in reads; admins, annotators and researchers write."""

    serializer_class = CharacterSerializer
    queryset = Character.objects.all()
    required_roles = _roles(ANY_ROLE, CHARACTER_EDITORS)
    query_filters = {
        "category": choice_filter("category", CharacterCategory.choices, _("Only characters of this category.")),
        "language": choice_filter("language", Language.choices, _("Only characters in this language.")),
        "source": choice_filter("source", CharacterSource.choices, _("Only characters from this source.")),
    }


class PlayerPersonaViewSet(viewsets.ModelViewSet):
    """Player personas: each user sees (and edits) their own, admins all; the persona services write."""

    serializer_class = PlayerPersonaSerializer
    queryset = PlayerPersona.objects.all()
    required_roles = _roles(ANY_ROLE, CHARACTER_EDITORS)

    def get_queryset(self):
        return owned_by(self.request.user, PlayerPersona.objects.all())

    def perform_destroy(self, instance):
        services.persona_delete(persona=instance)


class CharacterPromptViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = CharacterPromptSerializer
    queryset = CharacterPrompt.objects.all()
    required_roles = _roles(ANY_ROLE, ())
    query_filters = {"character": id_filter("character_id", _("Only prompts of the character with this id."))}


class DialogueViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The corpus, read-only; writes go through the collection and review workflows."""

    serializer_class = DialogueSerializer
    queryset = Dialogue.objects.prefetch_related("turns")
    required_roles = _roles(CORPUS_READERS, ())
    query_filters = {
        "source": choice_filter("source", DialogueSource.choices, _("Only dialogues from this source.")),
        "status": choice_filter("status", DialogueStatus.choices, _("Only dialogues in this review status.")),
        "language": choice_filter("language", Language.choices, _("Only dialogues in this language.")),
        "character": id_filter("character_id", _("Only dialogues of the character with this id.")),
    }
