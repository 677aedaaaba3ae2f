from rest_framework import serializers

from annotation.models import AnnotationTask, LiteraryWork, SynthesisBatch, TaskKind
from roleplay.models import CharacterCategory, Language


class SynthesisBatchSerializer(serializers.ModelSerializer):
    class Meta:
        model = SynthesisBatch
        fields = [
            "id", "name", "origin", "status", "provider", "llm_model", "language", "categories",
            "characters_per_category", "dialogues_per_category", "turns_per_dialogue", "character_template",
            "dialogue_template", "requests_made", "prompt_tokens", "completion_tokens", "cost_usd", "error",
            "created_at", "started_at", "finished_at",
        ]  # fmt: skip
        read_only_fields = fields


class SynthesisBatchCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    categories = serializers.ListField(child=serializers.ChoiceField(CharacterCategory.choices), allow_empty=False)
    language = serializers.ChoiceField(Language.choices, default=Language.ZH_HANS)
    provider = serializers.IntegerField(required=False, allow_null=True)
    llm_model = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    characters_per_category = serializers.IntegerField(min_value=1, max_value=500)
    dialogues_per_category = serializers.IntegerField(min_value=0, max_value=2000)
    turns_per_dialogue = serializers.IntegerField(min_value=2, max_value=100, default=17)


class AnnotationTaskSerializer(serializers.ModelSerializer):
    class Meta:
        model = AnnotationTask
        fields = [
            "id", "kind", "status", "slot", "dialogue", "candidate", "character", "prompt", "claimed_at",
            "claim_expires_at", "submitted_at", "result",
        ]  # fmt: skip
        read_only_fields = fields


class ClaimSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(TaskKind.choices)


class LiteraryWorkSerializer(serializers.ModelSerializer):
    class Meta:
        model = LiteraryWork
        fields = [
            "id", "title", "author", "language", "licence_note", "status", "detected_encoding",
            "original_filename", "error", "created_at",
        ]  # fmt: skip
        read_only_fields = fields
