from rest_framework import serializers

from evaluation.definitions import ERROR_LABEL_KEYS, validate_dimensions
from evaluation.models import Assignment, Campaign, Choice, Contestant, Mode, PairwiseJudgment
from evaluation.selectors import error_labels_by_turn
from roleplay.live.frames import chat_socket_path
from roleplay.models import Character, Topic, Turn
from training.models import ModelVersion


class ContestantSerializer(serializers.ModelSerializer):
    model_version = serializers.SlugRelatedField(slug_field="name", read_only=True)

    class Meta:
        model = Contestant
        fields = ["id", "alias", "model_version", "position"]


class CampaignSerializer(serializers.ModelSerializer):
    contestants = ContestantSerializer(many=True, read_only=True)
    characters = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Campaign
        fields = [
            "id",
            "slug",
            "title",
            "description",
            "status",
            "modes",
            "topics",
            "dimensions",
            "min_turns",
            "characters_per_evaluator",
            "overlap",
            "daily_cap",
            "target_sessions",
            "target_pairwise",
            "attention_every",
            "min_seconds_per_turn",
            "allow_own_characters",
            "allow_regenerate",
            "exclude_flagged",
            "exclude_identity_leaks",
            "seed",
            "contestants",
            "characters",
            "created_at",
            "opened_at",
            "closed_at",
        ]


class _CampaignSettingsSerializer(serializers.Serializer):
    """The settings a campaign is created with and may later change (all optional here)."""

    description = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    characters = serializers.PrimaryKeyRelatedField(queryset=Character.objects.all(), many=True, required=False)
    modes = serializers.ListField(child=serializers.ChoiceField(choices=Mode.choices), required=False)
    topics = serializers.ListField(child=serializers.ChoiceField(choices=Topic.choices), required=False)
    dimensions = serializers.JSONField(required=False, validators=[validate_dimensions])
    min_turns = serializers.IntegerField(min_value=1, max_value=200, required=False)
    characters_per_evaluator = serializers.IntegerField(min_value=1, max_value=50, required=False)
    overlap = serializers.FloatField(min_value=0.0, max_value=1.0, required=False)
    daily_cap = serializers.IntegerField(min_value=1, required=False)
    target_sessions = serializers.IntegerField(min_value=0, required=False)
    target_pairwise = serializers.IntegerField(min_value=0, required=False)
    attention_every = serializers.IntegerField(min_value=0, required=False)
    allow_own_characters = serializers.BooleanField(required=False)
    allow_regenerate = serializers.BooleanField(required=False)


class CampaignCreateSerializer(_CampaignSettingsSerializer):
    slug = serializers.SlugField(max_length=60)
    title = serializers.CharField(max_length=200)
    contestants = serializers.PrimaryKeyRelatedField(queryset=ModelVersion.objects.all(), many=True)
    draw_per_category = serializers.IntegerField(min_value=0, max_value=50, required=False, default=0)
    seed = serializers.IntegerField(required=False)


class CampaignUpdateSerializer(_CampaignSettingsSerializer):
    title = serializers.CharField(max_length=200, required=False)
    contestants = serializers.PrimaryKeyRelatedField(queryset=ModelVersion.objects.all(), many=True, required=False)
    min_seconds_per_turn = serializers.FloatField(min_value=0.0, required=False)
    exclude_flagged = serializers.BooleanField(required=False)
    exclude_identity_leaks = serializers.BooleanField(required=False)


class AssignmentNextSerializer(serializers.Serializer):
    campaign = serializers.PrimaryKeyRelatedField(queryset=Campaign.objects.all())
    mode = serializers.ChoiceField(choices=Mode.choices)


class TurnSerializer(serializers.ModelSerializer):
    by_model = serializers.SerializerMethodField()

    class Meta:
        model = Turn
        fields = ["seq", "speaker", "text", "by_model"]

    def get_by_model(self, turn: Turn) -> bool:
        return turn.author_model_id is not None


class PairSerializer(serializers.ModelSerializer):
    """A pair as the evaluator sees it: texts and sides, never the contestants."""

    class Meta:
        model = PairwiseJudgment
        fields = ["turn_seq", "left_text", "right_text", "choice"]


class AssignmentSerializer(serializers.ModelSerializer):
    """An evaluator's session, blinded: the character and topic, never which model plays."""

    character = serializers.SerializerMethodField()
    turns = serializers.SerializerMethodField()
    pending_pair = serializers.SerializerMethodField()
    error_labels = serializers.SerializerMethodField()
    min_turns = serializers.IntegerField(source="campaign.min_turns", read_only=True)
    dimensions = serializers.JSONField(source="campaign.dimensions", read_only=True)
    live_chat = serializers.SerializerMethodField()

    class Meta:
        model = Assignment
        fields = [
            "id",
            "mode",
            "status",
            "topic",
            "character",
            "min_turns",
            "dimensions",
            "turns",
            "pending_pair",
            "error_labels",
            "live_chat",
        ]

    def get_character(self, assignment: Assignment) -> dict:
        c = assignment.character
        return {"name": c.name, "category": c.category, "identity": c.identity, "personality": c.personality}

    def get_turns(self, assignment: Assignment) -> list[dict]:
        return TurnSerializer(Turn.objects.filter(dialogue=assignment.dialogue).order_by("seq"), many=True).data

    def get_pending_pair(self, assignment: Assignment) -> dict | None:
        pair = assignment.pairwise_judgments.filter(choice="").first()
        return PairSerializer(pair).data if pair else None

    def get_live_chat(self, assignment: Assignment) -> dict | None:
        """Where a pointwise session is chatted: the live session and its WebSocket path."""
        if assignment.live_session_id is None:
            return None
        return {"session_id": assignment.live_session_id, "ws_path": chat_socket_path(assignment.live_session_id)}

    def get_error_labels(self, assignment: Assignment) -> dict[str, list[str]]:
        return error_labels_by_turn(assignment)


class MessageSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=2000, trim_whitespace=True)


class JudgeSerializer(serializers.Serializer):
    turn_seq = serializers.IntegerField(min_value=1)
    choice = serializers.ChoiceField(choices=Choice.choices)
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class LabelsSerializer(serializers.Serializer):
    turn_seq = serializers.IntegerField(min_value=1)
    labels = serializers.ListField(child=serializers.ChoiceField(choices=list(ERROR_LABEL_KEYS)), allow_empty=True)


class RatingSerializer(serializers.Serializer):
    ratings = serializers.DictField(child=serializers.JSONField())
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
