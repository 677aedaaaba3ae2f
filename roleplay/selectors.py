from django.db.models import Count, QuerySet

from roleplay.models import Character, Dialogue


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
