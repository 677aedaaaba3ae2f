"""What a new live session is given: the character to play and the player's persona.

The rules:

- **character**: the least-collected character (live dialogues collected plus sessions still
  joining) of a category still under its quota (``roleplay.live.quotas``), in a language both
  workers speak; ties go to the lower id;
- **persona**: the least-used persona in the character's language, ties to the lower id; a
  pseudonymous one is made when the language has none.

A matchmaker pass creates many sessions at once, so the counts are read once per pass
(``AssignmentCounts.load``) and kept up to date in memory as each session is given its character
and persona: the pass picks exactly what one query per session would have picked, one session
after the other, without those queries. The counts are only valid inside the pass's transaction
(which holds the matchmaker gate, so no other pass creates sessions meanwhile).
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

from django.db.models import Count

from roleplay.live.quotas import LIVE_DIALOGUES
from roleplay.models import (
    CategoryQuota,
    Character,
    Dialogue,
    LiveSession,
    LiveSessionStatus,
    PlayerPersona,
)
from roleplay.services import persona_create_pseudonymous


def _counts_by(queryset, key: str) -> dict[int | str, int]:
    return dict(queryset.order_by().values_list(key).annotate(n=Count("id")).values_list(key, "n"))


@dataclass
class _Ranking:
    """Per language, a heap of (count, id): the smallest is the next pick."""

    heaps: dict[str, list[tuple[int, int]]] = field(default_factory=dict)

    def add(self, language: str, count: int, pk: int) -> None:
        heapq.heappush(self.heaps.setdefault(language, []), (count, pk))

    def best(self, languages: set[str] | None, usable) -> tuple[str, int, int] | None:
        """(language, count, id) of the smallest usable entry; unusable tops are dropped for good."""
        found = None
        for language in sorted(self.heaps if languages is None else languages & self.heaps.keys()):
            heap = self.heaps[language]
            while heap and not usable(heap[0][1]):
                heapq.heappop(heap)
            if heap and (found is None or heap[0] < found[1:]):
                found = (language, *heap[0])
        return found

    def bump(self, language: str) -> None:
        """The top of ``language`` was used once more: it moves down the heap."""
        count, pk = heapq.heappop(self.heaps[language])
        heapq.heappush(self.heaps[language], (count + 1, pk))


@dataclass
class AssignmentCounts:
    """Collected and pending counts of characters and categories, persona uses: one pass's view."""

    characters: dict[int, tuple[str, str]]  # id -> (category, language)
    category_counts: dict[str, int]  # collected + pending per category
    targets: dict[str, int]  # category -> quota target (categories without a quota never fill up)
    character_ranking: _Ranking
    persona_ranking: _Ranking

    @classmethod
    def load(cls) -> AssignmentCounts:
        collected = _counts_by(Dialogue.objects.filter(LIVE_DIALOGUES), "character")
        pending = _counts_by(
            LiveSession.objects.filter(status=LiveSessionStatus.JOINING, model_version__isnull=True), "character"
        )
        characters, category_counts, ranking = {}, {}, _Ranking()
        for pk, category, language in Character.objects.values_list("id", "category", "language"):
            count = collected.get(pk, 0) + pending.get(pk, 0)
            characters[pk] = (category, language)
            category_counts[category] = category_counts.get(category, 0) + count
            ranking.add(language, count, pk)
        persona_ranking = _Ranking()
        uses = _counts_by(LiveSession.objects.all(), "player_persona")
        for pk, language in PlayerPersona.objects.values_list("id", "language"):
            persona_ranking.add(language, uses.get(pk, 0), pk)
        return cls(
            characters=characters,
            category_counts=category_counts,
            targets=dict(CategoryQuota.objects.values_list("category", "target_dialogues")),
            character_ranking=ranking,
            persona_ranking=persona_ranking,
        )

    def _category_open(self, character_id: int) -> bool:
        category = self.characters[character_id][0]
        target = self.targets.get(category)
        return target is None or self.category_counts[category] < target

    def character_take(self, languages: set[str] | None) -> int | None:
        """The character id for a new session (counted as pending from now on); None if none fits."""
        found = self.character_ranking.best(languages, self._category_open)
        if found is None:
            return None
        language, _count, pk = found
        self.character_ranking.bump(language)
        self.category_counts[self.characters[pk][0]] += 1
        return pk

    def persona_take(self, language: str) -> int:
        """The persona id for a new session in ``language`` (one use more from now on)."""
        found = self.persona_ranking.best({language}, lambda pk: True)
        if found is None:
            persona = persona_create_pseudonymous(author=None, language=language)
            self.persona_ranking.add(language, 0, persona.pk)
            found = (language, 0, persona.pk)
        self.persona_ranking.bump(language)
        return found[2]


def character_pick(*, languages: set[str] | None) -> Character | None:
    """The character a session for workers speaking ``languages`` would get now (None: no character fits)."""
    pk = AssignmentCounts.load().character_take(languages)
    return None if pk is None else Character.objects.get(pk=pk)


def persona_pick(*, language: str) -> PlayerPersona:
    """The persona a session in ``language`` would get now (made when the language has none)."""
    return PlayerPersona.objects.get(pk=AssignmentCounts.load().persona_take(language))
