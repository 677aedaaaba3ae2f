from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import TextField
from rest_framework import serializers

from roleplay import services
from roleplay.character_fields import CHARACTER_FIELDS
from roleplay.models import Character, CharacterPrompt, Dialogue, PlayerPersona, Turn


def _as_drf_error(error: DjangoValidationError) -> serializers.ValidationError:
    return serializers.ValidationError(
        error.message_dict if hasattr(error, "error_dict") else {"non_field_errors": error.messages}
    )


def _phrase_list() -> serializers.ListField:
    return serializers.ListField(
        child=serializers.CharField(max_length=settings.CHARACTER_PHRASE_MAX_CHARS),
        max_length=settings.CHARACTER_PHRASES_MAX,
        required=False,
    )


# The limits as the schema documents them; the model's validators apply the same settings on every write.
PROFILE_TEXT = {"max_length": settings.CHARACTER_TEXT_MAX_CHARS}


class CharacterSerializer(serializers.ModelSerializer):
    catchphrases = _phrase_list()
    frequent_phrases = _phrase_list()

    class Meta:
        model = Character
        fields = ["id", *CHARACTER_FIELDS, "source", "author", "created_at", "updated_at"]
        read_only_fields = ["author", "created_at", "updated_at"]
        extra_kwargs = {
            name: PROFILE_TEXT for name in CHARACTER_FIELDS if isinstance(Character._meta.get_field(name), TextField)
        }

    def create(self, validated_data):
        try:
            return services.character_create(author=self.context["request"].user, **validated_data)
        except DjangoValidationError as error:
            raise _as_drf_error(error) from error

    def update(self, instance, validated_data):
        try:
            return services.character_update(character=instance, **validated_data)
        except DjangoValidationError as error:
            raise _as_drf_error(error) from error


class PlayerPersonaSerializer(serializers.ModelSerializer):
    class Meta:
        model = PlayerPersona
        fields = ["id", "name", "description", "language", "created_at"]
        extra_kwargs = {"description": PROFILE_TEXT}

    def create(self, validated_data):
        try:
            return services.persona_create(author=self.context["request"].user, **validated_data)
        except DjangoValidationError as error:
            raise _as_drf_error(error) from error

    def update(self, instance, validated_data):
        try:
            return services.persona_update(persona=instance, **validated_data)
        except DjangoValidationError as error:
            raise _as_drf_error(error) from error


class CharacterPromptSerializer(serializers.ModelSerializer):
    class Meta:
        model = CharacterPrompt
        fields = ["id", "character", "kind", "text", "derived_from", "review_status", "llm_model", "created_at"]


class TurnSerializer(serializers.ModelSerializer):
    class Meta:
        model = Turn
        fields = [
            "seq",
            "speaker",
            "text",
            "original_text",
            "author_user",
            "author_model",
            "client_msg_id",
            "out_of_character",
            "created_at",
        ]


class DialogueSerializer(serializers.ModelSerializer):
    turns = TurnSerializer(many=True, read_only=True)

    class Meta:
        model = Dialogue
        fields = [
            "id",
            "source",
            "character",
            "player_persona",
            "topic",
            "topic_kind",
            "language",
            "status",
            "quality_rating",
            "character_side_rating",
            "player_side_rating",
            "flagged",
            "flag_reason",
            "creator",
            "model_version",
            "synthesis_batch",
            "literary_work",
            "literary_chapter",
            "created_at",
            "submitted_at",
            "reviewed_at",
            "turns",
        ]
