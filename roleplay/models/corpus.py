"""Characters, player personas, character prompts, dialogues and turns: the corpus itself."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from roleplay.character_fields import ATTRIBUTE_FIELDS, BEHAVIOUR_FIELDS, PROFILE_FIELDS, filled_items

# Earlier migrations name the phrase-list validator roleplay.models._validate_string_list.
from roleplay.validators import PROFILE_TEXT_LIMIT, PROMPT_TEXT_LIMIT
from roleplay.validators import phrase_list as _validate_string_list


class CharacterCategory(models.TextChoices):
    CELEBRITIES = "celebrities", _("Celebrities")
    DAILY_LIFE = "daily_life", _("Daily life")
    GAMES_VIDEOS = "games_videos", _("Games & videos")
    VIRTUAL_LOVE = "virtual_love", _("Virtual love")


class Language(models.TextChoices):
    ZH_HANS = "zh-hans", _("Simplified Chinese")
    EN = "en", _("English")


class CharacterSource(models.TextChoices):
    MANUAL = "manual", _("Written by staff")
    CROWD = "crowd", _("Written by a crowdworker")
    LLM_SYNTHESIS = "llm_synthesis", _("LLM synthesis")
    LITERARY = "literary", _("Literary extraction")


class ReviewStatus(models.TextChoices):
    PENDING = "pending", _("Pending review")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")




class Character(models.Model):
    """A character profile in the CharacterGLM shape: seven attributes and two behaviours."""

    name = models.CharField(_("name"), max_length=100)
    category = models.CharField(_("category"), max_length=20, choices=CharacterCategory.choices)
    language = models.CharField(_("language"), max_length=10, choices=Language.choices)
    # Attributes
    identity = models.TextField(_("identity"), blank=True, validators=[PROFILE_TEXT_LIMIT])
    interests = models.TextField(_("interests"), blank=True, validators=[PROFILE_TEXT_LIMIT])
    viewpoints = models.TextField(_("viewpoints"), blank=True, validators=[PROFILE_TEXT_LIMIT])
    experiences = models.TextField(_("experiences"), blank=True, validators=[PROFILE_TEXT_LIMIT])
    achievements = models.TextField(_("achievements"), blank=True, validators=[PROFILE_TEXT_LIMIT])
    social_relationships = models.TextField(_("social relationships"), blank=True, validators=[PROFILE_TEXT_LIMIT])
    others = models.TextField(_("others"), blank=True, validators=[PROFILE_TEXT_LIMIT])
    # Behaviours: linguistic features and personality
    catchphrases = models.JSONField(_("catchphrases"), default=list, blank=True, validators=[_validate_string_list])
    dialect = models.CharField(_("dialect"), max_length=100, blank=True)
    stylistic_features = models.TextField(_("stylistic features"), blank=True, validators=[PROFILE_TEXT_LIMIT])
    frequent_phrases = models.JSONField(
        _("frequent words and sentences"), default=list, blank=True, validators=[_validate_string_list]
    )
    personality = models.TextField(
        _("personality"), blank=True, help_text=_("e.g. gentle, cold"), validators=[PROFILE_TEXT_LIMIT]
    )
    greeting = models.TextField(_("greeting"), blank=True, validators=[PROFILE_TEXT_LIMIT])
    source = models.CharField(
        _("source"), max_length=20, choices=CharacterSource.choices, default=CharacterSource.MANUAL
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="characters"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("character")
        verbose_name_plural = _("characters")
        indexes = [models.Index(fields=["category", "language"])]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="character_has_name"),
            models.CheckConstraint(condition=Q(category__in=CharacterCategory.values), name="character_category_known"),
            models.CheckConstraint(condition=Q(language__in=Language.values), name="character_language_known"),
        ]

    def __str__(self) -> str:
        return self.name

    # (label, text) of each filled field, for pages: attributes, behaviours, or all and the greeting.
    attribute_items = property(lambda self: filled_items(self, ATTRIBUTE_FIELDS))
    behaviour_items = property(lambda self: filled_items(self, BEHAVIOUR_FIELDS))
    profile_items = property(lambda self: filled_items(self, (*PROFILE_FIELDS, "greeting")))

    def clean(self) -> None:
        if not self.name.strip():
            raise ValidationError({"name": _("A character needs a name.")})
        if not any(getattr(self, field).strip() for field in ATTRIBUTE_FIELDS):
            raise ValidationError({"identity": _("Fill in at least one attribute, starting with identity.")})

    @property
    def public_card(self) -> dict[str, str]:
        """What the player side is shown: enough to talk to the character, not its whole profile."""
        return {
            "name": self.name,
            "category": self.get_category_display(),
            "identity": self.identity,
            "greeting": self.greeting,
        }


class PlayerPersona(models.Model):
    """Who the player side plays: a name and a description (the CharacterGLM ``user_info``)."""

    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True, validators=[PROFILE_TEXT_LIMIT])
    language = models.CharField(_("language"), max_length=10, choices=Language.choices, default=Language.ZH_HANS)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("player persona")
        verbose_name_plural = _("player personas")
        constraints = [models.CheckConstraint(condition=~Q(name=""), name="persona_has_name")]

    def __str__(self) -> str:
        return self.name


class PromptKind(models.TextChoices):
    PROFILE = "profile", _("Rendered from the profile")
    WRITTEN = "written", _("Written by a crowdworker")
    SUMMARY = "summary", _("Summary (LLM)")
    PARAPHRASE = "paraphrase", _("Paraphrase (LLM)")
    STYLIZED = "stylized", _("Stylised, first person (LLM)")


AUGMENTATION_KINDS = (PromptKind.SUMMARY, PromptKind.PARAPHRASE, PromptKind.STYLIZED)


class CharacterPrompt(models.Model):
    """A natural-language description of a character, used as ``bot_info`` / the system prompt."""

    character = models.ForeignKey(Character, on_delete=models.CASCADE, related_name="prompts")
    kind = models.CharField(_("kind"), max_length=20, choices=PromptKind.choices)
    text = models.TextField(_("text"), validators=[PROMPT_TEXT_LIMIT])
    derived_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="augmentations"
    )
    review_status = models.CharField(
        _("review status"), max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.PENDING
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    llm_model = models.CharField(_("LLM model"), max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["character", "kind", "id"]
        verbose_name = _("character prompt")
        verbose_name_plural = _("character prompts")
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="prompt_has_text"),
            models.CheckConstraint(condition=Q(kind__in=PromptKind.values), name="prompt_kind_known"),
            models.UniqueConstraint(
                fields=["character"], condition=Q(kind="profile"), name="one_profile_prompt_per_character"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.character} · {self.kind}"

    def clean(self) -> None:
        if self.kind in AUGMENTATION_KINDS and self.derived_from_id is None:
            raise ValidationError({"derived_from": _("An augmentation must name the prompt it was derived from.")})


class DialogueSource(models.TextChoices):
    HUMAN_ROLEPLAY = "human_roleplay", _("Human role-play")
    LLM_SYNTHESIS = "llm_synthesis", _("LLM synthesis")
    LITERARY = "literary", _("Literary extraction")
    HUMAN_MACHINE = "human_machine", _("Human–machine chat")


class DialogueStatus(models.TextChoices):
    COLLECTING = "collecting", _("Collecting")
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class Topic(models.TextChoices):
    CHIT_CHAT = "chit_chat", _("Chit-chat")
    INTERVIEW = "interview", _("Interview")
    LOVE = "love", _("Love")
    OTHER = "other", _("Other")


class Speaker(models.TextChoices):
    CHARACTER = "character", _("Character")
    PLAYER = "player", _("Player")


class Dialogue(models.Model):
    """One session between a character and a player, from any of the four sources."""

    source = models.CharField(_("source"), max_length=20, choices=DialogueSource.choices)
    character = models.ForeignKey(Character, on_delete=models.PROTECT, related_name="dialogues")
    player_persona = models.ForeignKey(
        PlayerPersona, null=True, blank=True, on_delete=models.PROTECT, related_name="dialogues"
    )
    topic = models.CharField(_("topic"), max_length=200, blank=True)
    topic_kind = models.CharField(_("topic kind"), max_length=20, choices=Topic.choices, default=Topic.OTHER)
    language = models.CharField(_("language"), max_length=10, choices=Language.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=DialogueStatus.choices, default=DialogueStatus.COLLECTING
    )
    # Quality
    quality_rating = models.FloatField(_("quality rating"), null=True, blank=True, help_text=_("1–5, from review"))
    character_side_rating = models.PositiveSmallIntegerField(
        _("rating given to the character side"), null=True, blank=True
    )
    player_side_rating = models.PositiveSmallIntegerField(_("rating given to the player side"), null=True, blank=True)
    flagged = models.BooleanField(_("flagged"), default=False)
    flag_reason = models.TextField(_("flag reason"), blank=True)
    review_note = models.TextField(_("review note"), blank=True)
    # Provenance
    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="created_dialogues"
    )
    character_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="dialogues_as_character",
    )
    player_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="dialogues_as_player"
    )
    model_version = models.ForeignKey(
        "training.ModelVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="dialogues"
    )
    synthesis_batch = models.ForeignKey(
        "annotation.SynthesisBatch", null=True, blank=True, on_delete=models.PROTECT, related_name="dialogues"
    )
    literary_work = models.ForeignKey(
        "annotation.LiteraryWork", null=True, blank=True, on_delete=models.PROTECT, related_name="dialogues"
    )
    literary_chapter = models.CharField(_("chapter"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("dialogue")
        verbose_name_plural = _("dialogues")
        indexes = [models.Index(fields=["status", "source"])]
        constraints = [
            models.CheckConstraint(condition=Q(source__in=DialogueSource.values), name="dialogue_source_known"),
            models.CheckConstraint(condition=Q(status__in=DialogueStatus.values), name="dialogue_status_known"),
            models.CheckConstraint(
                condition=Q(quality_rating__isnull=True) | Q(quality_rating__gte=1, quality_rating__lte=5),
                name="dialogue_quality_in_range",
            ),
            models.CheckConstraint(
                condition=Q(character_side_rating__isnull=True)
                | Q(character_side_rating__gte=1, character_side_rating__lte=5),
                name="dialogue_character_rating_in_range",
            ),
            models.CheckConstraint(
                condition=Q(player_side_rating__isnull=True) | Q(player_side_rating__gte=1, player_side_rating__lte=5),
                name="dialogue_player_rating_in_range",
            ),
            models.CheckConstraint(
                condition=~Q(source="human_machine") | Q(model_version__isnull=False),
                name="human_machine_dialogue_names_model",
            ),
            models.CheckConstraint(
                condition=~Q(source="literary") | Q(literary_work__isnull=False),
                name="literary_dialogue_names_work",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.character} ({self.get_source_display()})"


class Turn(models.Model):
    """One utterance. ``seq`` starts at 1 and has no gaps (enforced by triggers, see migration)."""

    dialogue = models.ForeignKey(Dialogue, on_delete=models.CASCADE, related_name="turns")
    seq = models.PositiveIntegerField(_("sequence number"))
    speaker = models.CharField(_("speaker"), max_length=10, choices=Speaker.choices)
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="turns"
    )
    author_model = models.ForeignKey(
        "training.ModelVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="turns"
    )
    text = models.TextField(_("text"))
    original_text = models.TextField(
        _("original text"), null=True, blank=True, help_text=_("The text before a rewrite.")
    )
    client_msg_id = models.UUIDField(_("client message id"), null=True, blank=True)
    out_of_character = models.BooleanField(_("out of character"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["dialogue", "seq"]
        verbose_name = _("turn")
        verbose_name_plural = _("turns")
        constraints = [
            models.UniqueConstraint(fields=["dialogue", "seq"], name="turn_seq_unique_per_dialogue"),
            models.UniqueConstraint(
                fields=["dialogue", "client_msg_id"],
                condition=Q(client_msg_id__isnull=False),
                name="turn_client_msg_id_unique_per_dialogue",
            ),
            models.CheckConstraint(condition=Q(seq__gte=1), name="turn_seq_starts_at_one"),
            models.CheckConstraint(condition=Q(speaker__in=Speaker.values), name="turn_speaker_known"),
            models.CheckConstraint(
                condition=Q(author_user__isnull=True) | Q(author_model__isnull=True),
                name="turn_single_author",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dialogue_id}:{self.seq} [{self.speaker}] {self.text[:40]}"
