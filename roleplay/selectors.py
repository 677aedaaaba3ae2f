from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum

from roleplay.models import Character, Dialogue, LiveSession, Turn


def characters_with_counts() -> QuerySet[Character]:
    return Character.objects.annotate(dialogue_count=Count("dialogues")).order_by("name", "id")


def dialogues_for_listing() -> QuerySet[Dialogue]:
    return (
        Dialogue.objects.select_related("character", "player_persona")
        .annotate(turn_count=Count("turns"))
        .order_by("-created_at", "-id")
    )


def dialogue_turns(dialogue: Dialogue):
    return dialogue.turns.select_related("author_user", "author_model").order_by("seq")


def session_turns(*, session: LiveSession) -> list[Turn]:
    """The turns stored for a live session's dialogue, in order (none before its dialogue exists)."""
    if not session.dialogue_id:
        return []
    return list(Turn.objects.filter(dialogue_id=session.dialogue_id).order_by("seq"))


def live_session_for_worker(*, session_id: int, worker) -> LiveSession | None:
    """The live session if ``worker`` sits in one of its seats, else None."""
    return (
        LiveSession.objects.select_related("character", "player_persona", "dialogue", "model_version")
        .filter(Q(character_worker=worker) | Q(player_worker=worker), pk=session_id)
        .first()
    )


def character_profile_prompt(*, character: Character) -> str:
    """The prompt the character side plays from: an accepted written prompt, else the profile rendering."""
    prompts = {p.kind: p.text for p in character.prompts.filter(kind__in=["written", "profile"])}
    return prompts.get("written") or prompts.get("profile", "")


def live_credit_total(*, worker) -> Decimal:
    """The worker's waiting and stranded credits, from the workforce ledger."""
    from workforce.models import EntryKind, LedgerEntry

    rows = LedgerEntry.objects.filter(worker=worker, kind__in=(EntryKind.WAITING, EntryKind.STRANDED))
    return rows.aggregate(total=Sum("amount"))["total"] or Decimal("0")


def session_turn_count(session: LiveSession) -> int:
    """How many turns the session's dialogue holds (0 before it has one)."""
    return Turn.objects.filter(dialogue_id=session.dialogue_id).count() if session.dialogue_id else 0


def session_last_speaker(session: LiveSession) -> str | None:
    """Who spoke the session's last turn; None before the first."""
    if not session.dialogue_id:
        return None
    return (
        Turn.objects.filter(dialogue_id=session.dialogue_id).order_by("-seq").values_list("speaker", flat=True).first()
    )
