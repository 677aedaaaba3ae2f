from rest_framework import mixins, viewsets

from platform_core.permissions import ANY_ROLE, owned_by
from roleplay import services
from roleplay.models import Character, CharacterPrompt, Dialogue, PlayerPersona
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
    required_roles = _roles(ANY_ROLE, CHARACTER_EDITORS)

    def get_queryset(self):
        queryset = Character.objects.all()
        for field in ("category", "language", "source"):
            if value := self.request.query_params.get(field):
                queryset = queryset.filter(**{field: value})
        return queryset


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
    required_roles = _roles(ANY_ROLE, ())

    def get_queryset(self):
        queryset = CharacterPrompt.objects.all()
        if character := self.request.query_params.get("character"):
            queryset = queryset.filter(character_id=character)
        return queryset


class DialogueViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The corpus, read-only; writes go through the collection and review workflows."""

    serializer_class = DialogueSerializer
    required_roles = _roles(CORPUS_READERS, ())

    def get_queryset(self):
        queryset = Dialogue.objects.prefetch_related("turns")
        for field in ("source", "status", "language", "character"):
            if value := self.request.query_params.get(field):
                queryset = queryset.filter(**{field: value})
        return queryset
