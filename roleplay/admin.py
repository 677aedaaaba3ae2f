from django.contrib import admin

from platform_core.admin_lean import LeanModelAdmin
from roleplay.models import Character, CharacterPrompt, Dialogue, PlayerPersona, Turn


class CharacterPromptInline(admin.StackedInline):
    model = CharacterPrompt
    extra = 0
    fk_name = "character"


@admin.register(Character)
class CharacterAdmin(LeanModelAdmin):
    list_display = ("name", "category", "language", "source", "author", "updated_at")
    list_filter = ("category", "language", "source")
    search_fields = ("name", "identity", "personality")
    inlines = [CharacterPromptInline]


@admin.register(PlayerPersona)
class PlayerPersonaAdmin(LeanModelAdmin):
    list_display = ("name", "language", "created_at")
    list_filter = ("language",)
    search_fields = ("name", "description")


@admin.register(CharacterPrompt)
class CharacterPromptAdmin(LeanModelAdmin):
    list_display = ("character", "kind", "review_status", "llm_model", "created_at")
    list_filter = ("kind", "review_status")
    search_fields = ("character__name", "text")


class TurnInline(admin.TabularInline):
    model = Turn
    extra = 0
    fields = ("seq", "speaker", "text", "original_text", "author_user", "author_model", "out_of_character")
    readonly_fields = ("seq",)


@admin.register(Dialogue)
class DialogueAdmin(LeanModelAdmin):
    list_display = ("id", "character", "source", "status", "language", "topic", "quality_rating", "created_at")
    list_filter = ("source", "status", "language", "character__category", "flagged")
    search_fields = ("character__name", "topic", "turns__text")
    raw_id_fields = ("character", "player_persona", "creator", "character_worker", "player_worker")
    inlines = [TurnInline]


@admin.register(Turn)
class TurnAdmin(LeanModelAdmin):
    list_display = ("dialogue", "seq", "speaker", "text", "created_at")
    list_filter = ("speaker",)
    search_fields = ("text", "original_text")
    raw_id_fields = ("dialogue", "author_user")


# --- Live role-play: admins set category quotas here; sessions and the queue are read-only (credits: workforce ledger).
from roleplay.models import CategoryQuota, LiveSession, MatchQueueEntry  # noqa: E402


@admin.register(CategoryQuota)
class CategoryQuotaAdmin(LeanModelAdmin):
    list_display = ("category", "target_dialogues", "updated_at")


class _ReadOnlyAdmin(LeanModelAdmin):
    """Records the platform writes (sessions, queue entries, the credit ledger): shown, never edited
    or deleted here, so no "Delete selected" either."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(LiveSession)
class LiveSessionAdmin(_ReadOnlyAdmin):
    list_display = ("id", "character", "character_worker", "player_worker", "status", "created_at", "ended_at")
    list_filter = ("status",)


@admin.register(MatchQueueEntry)
class MatchQueueEntryAdmin(_ReadOnlyAdmin):
    list_display = ("worker", "side", "status", "priority", "joined_at", "closed_at")
    list_filter = ("status", "side")

