"""Live role-play: the matchmaking queue, category quotas and live sessions (credits are in the
workforce ledger)."""

from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from roleplay.models.corpus import Character, CharacterCategory, Dialogue, PlayerPersona, Speaker, Topic


class LiveSide(models.TextChoices):
    """Which seat a worker asks for in the queue; ``any`` lets the matchmaker decide."""

    CHARACTER = "character", _("Character")
    PLAYER = "player", _("Player")
    ANY = "any", _("Either side")


class QueueEntryStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    MATCHED = "matched", _("Matched")
    LEFT = "left", _("Left the queue")
    EXPIRED = "expired", _("Did not join in time")
    DONE = "done", _("Session over")


# A worker holding one of these entries is busy: the partial unique constraint below keeps every
# worker in at most one queue entry or live session at a time, whatever process writes.
BUSY_QUEUE_STATUSES = (QueueEntryStatus.WAITING, QueueEntryStatus.MATCHED)


class CategoryQuota(models.Model):
    """An admin's cap on how many live role-play dialogues a character category should collect."""

    category = models.CharField(_("category"), max_length=20, choices=CharacterCategory.choices, unique=True)
    target_dialogues = models.PositiveIntegerField(
        _("target dialogues"), help_text=_("Stop assigning this category's characters once this many were collected.")
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["category"]
        verbose_name = _("category quota")
        verbose_name_plural = _("category quotas")

    def __str__(self) -> str:
        return f"{self.get_category_display()}: {self.target_dialogues}"


class LiveSessionStatus(models.TextChoices):
    JOINING = "joining", _("Waiting for both to join")
    TOPIC = "topic", _("Agreeing on a topic")
    ACTIVE = "active", _("Chatting")
    RATING = "rating", _("Rating")
    FINISHED = "finished", _("Finished")
    PARTNER_LEFT = "partner_left", _("Partner left")
    IDLE_TIMEOUT = "idle_timeout", _("Timed out")
    EXPIRED = "expired", _("Not joined in time")


LIVE_OPEN_STATUSES = (
    LiveSessionStatus.JOINING,
    LiveSessionStatus.TOPIC,
    LiveSessionStatus.ACTIVE,
    LiveSessionStatus.RATING,
)


class LiveSession(models.Model):
    """A live session of a player-side worker with a character side; its turns live in ``dialogue``.

    The character seat holds either a worker (human role-play, paired by the matchmaker) or a
    deployed model version (a human–machine collection round, started by the worker; no queue):
    exactly one of ``character_worker`` and ``model_version`` is set. The dialogue is created when
    both seats have joined (a model joins when the session is created), so sessions that never
    start leave no corpus rows.
    """

    character = models.ForeignKey(Character, on_delete=models.PROTECT, related_name="live_sessions")
    player_persona = models.ForeignKey(PlayerPersona, on_delete=models.PROTECT, related_name="live_sessions")
    character_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="live_sessions_as_character",
    )
    model_version = models.ForeignKey(
        "training.ModelVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="live_sessions",
        help_text=_("The model playing the character, when no worker does."),
    )
    player_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="live_sessions_as_player"
    )
    dialogue = models.OneToOneField(
        Dialogue, null=True, blank=True, on_delete=models.PROTECT, related_name="live_session"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=LiveSessionStatus.choices, default=LiveSessionStatus.JOINING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    join_deadline = models.DateTimeField(_("join deadline"))
    character_joined_at = models.DateTimeField(null=True, blank=True)
    player_joined_at = models.DateTimeField(null=True, blank=True)
    # The channel of each side's current connection ("" = not connected) and when it went away:
    # the newest connection wins, so a crashed server's stale channel is simply replaced.
    character_channel = models.CharField(max_length=200, blank=True)
    player_channel = models.CharField(max_length=200, blank=True)
    character_left_at = models.DateTimeField(null=True, blank=True)
    player_left_at = models.DateTimeField(null=True, blank=True)
    topic_proposal = models.CharField(_("proposed topic"), max_length=200, blank=True)
    topic_proposal_kind = models.CharField(max_length=20, choices=Topic.choices, blank=True)
    topic_proposed_by = models.CharField(max_length=10, choices=Speaker.choices, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    last_activity_at = models.DateTimeField(null=True, blank=True)
    finish_requested_by = models.CharField(max_length=10, choices=Speaker.choices, blank=True)
    character_rated = models.BooleanField(default=False)
    player_rated = models.BooleanField(default=False)
    ended_at = models.DateTimeField(null=True, blank=True)
    abandoned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="live_sessions_abandoned",
    )
    stranded_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="live_sessions_stranded",
    )
    stranded_requeued = models.BooleanField(default=False)
    # The terms of a model session opened by another service for its own work (an evaluation):
    # the defaults are those of a human–machine collection round.
    blind = models.BooleanField(
        _("model not named"), default=False, help_text=_("The player is never told which model plays the character.")
    )
    allow_regenerate = models.BooleanField(_("the player may regenerate the model's reply"), default=True)
    allow_edit = models.BooleanField(_("the player may correct the model's reply"), default=True)
    min_turns = models.PositiveIntegerField(
        _("minimum turns"), null=True, blank=True, help_text=_("Turns before finishing unlocks; empty: LIVE_MIN_TURNS.")
    )
    ended_by_owner = models.BooleanField(
        _("ended by the service that opened it"),
        default=False,
        help_text=_(
            "The service that opened the session (an evaluation) finishes or drops it: the chat's finish "
            "frame, its idle timeout and its absence grace do not apply."
        ),
    )
    state_version = models.PositiveBigIntegerField(
        _("state version"),
        default=0,
        editable=False,
        help_text=_("Raised by every stored change of the session; its chat frames carry it."),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("live session")
        verbose_name_plural = _("live sessions")
        indexes = [
            models.Index(fields=["status", "join_deadline"]),
            models.Index(fields=["abandoned_by", "ended_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(character_worker__isnull=True) | ~Q(character_worker=models.F("player_worker")),
                name="live_session_two_workers",
            ),
            models.CheckConstraint(
                condition=Q(character_worker__isnull=False, model_version__isnull=True)
                | Q(character_worker__isnull=True, model_version__isnull=False),
                name="live_session_character_seat_worker_or_model",
            ),
            models.CheckConstraint(condition=Q(status__in=LiveSessionStatus.values), name="live_session_status_known"),
            models.CheckConstraint(
                condition=Q(status="joining") | Q(status="expired") | Q(dialogue__isnull=False),
                name="live_session_started_has_dialogue",
            ),
            # Blind and owner-ended sessions are model sessions: two workers always know each other's seat.
            models.CheckConstraint(
                condition=Q(model_version__isnull=False) | Q(blind=False, ended_by_owner=False),
                name="live_session_owner_terms_need_a_model_seat",
            ),
        ]

    def __str__(self) -> str:
        return f"live #{self.pk} {self.character} ({self.status})"

    def save(self, *args, **kwargs) -> None:
        # Every stored change is a new state: a chat socket is never sent a state older than one it
        # was sent (docs/chat-protocol.md). Changes are made under the session's row lock, so the
        # versions follow the order of the commits.
        self.state_version += 1
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "state_version"}
        super().save(*args, **kwargs)

    def activity_record(self, now: datetime) -> None:
        """Stamp ``now`` as the session's last activity, a new state (the caller holds the row lock)."""
        self.last_activity_at = now
        self.state_version += 1
        LiveSession.objects.filter(pk=self.pk).update(last_activity_at=now, state_version=self.state_version)

    @property
    def is_open(self) -> bool:
        return self.status in LIVE_OPEN_STATUSES

    @property
    def character_is_model(self) -> bool:
        return self.model_version_id is not None

    @property
    def finish_min_turns(self) -> int:
        """Turns (the greeting included) before the chat may be finished."""
        return self.min_turns if self.min_turns is not None else settings.LIVE_MIN_TURNS

    @property
    def ratings_complete(self) -> bool:
        """Every human seat has rated (a model does not rate the worker)."""
        return self.player_rated and (self.character_rated or self.character_is_model)

    def clean(self) -> None:
        if (self.character_worker_id is None) == (self.model_version_id is None):
            raise ValidationError(
                {"character_worker": _("The character seat holds either a worker or a model version, not both.")}
            )
        if self.character_worker_id is not None and self.character_worker_id == self.player_worker_id:
            raise ValidationError({"player_worker": _("A worker cannot play both sides.")})

    def side_of(self, user_id: int | None) -> str | None:
        if user_id is not None and user_id == self.character_worker_id:
            return Speaker.CHARACTER
        if user_id is not None and user_id == self.player_worker_id:
            return Speaker.PLAYER
        return None

    def worker_id_for(self, side: str) -> int | None:
        """The worker in ``side``; None for the character seat of a model session."""
        return self.character_worker_id if side == Speaker.CHARACTER else self.player_worker_id


class MatchQueueEntry(models.Model):
    """One worker's wait for a partner; it becomes ``matched`` with a session, then ``done``."""

    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="queue_entries")
    side = models.CharField(_("side"), max_length=10, choices=LiveSide.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=QueueEntryStatus.choices, default=QueueEntryStatus.WAITING
    )
    # Higher first: a worker stranded by a partner who left goes back to the front of the queue.
    priority = models.SmallIntegerField(default=0)
    joined_at = models.DateTimeField(default=timezone.now)
    disconnected_at = models.DateTimeField(null=True, blank=True)
    session = models.ForeignKey(
        LiveSession, null=True, blank=True, on_delete=models.SET_NULL, related_name="queue_entries"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-priority", "joined_at", "id"]
        verbose_name = _("match queue entry")
        verbose_name_plural = _("match queue entries")
        indexes = [models.Index(fields=["status", "priority", "joined_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["worker"], condition=Q(status__in=["waiting", "matched"]), name="one_busy_entry_per_worker"
            ),
            models.CheckConstraint(condition=Q(side__in=LiveSide.values), name="queue_side_known"),
            models.CheckConstraint(condition=Q(status__in=QueueEntryStatus.values), name="queue_status_known"),
            models.CheckConstraint(
                condition=~Q(status="matched") | Q(session__isnull=False), name="matched_entry_has_session"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.worker} · {self.side} · {self.status}"
