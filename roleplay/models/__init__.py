"""The role-play app's models: the corpus (``corpus``) and live role-play (``live``)."""

from roleplay.models.corpus import (
    ATTRIBUTE_FIELDS,
    AUGMENTATION_KINDS,
    BEHAVIOUR_FIELDS,
    Character,
    CharacterCategory,
    CharacterPrompt,
    CharacterSource,
    Dialogue,
    DialogueSource,
    DialogueStatus,
    Language,
    PlayerPersona,
    PromptKind,
    ReviewStatus,
    Speaker,
    Topic,
    Turn,
)
from roleplay.models.corpus import (
    _validate_string_list as _validate_string_list,  # named by earlier migrations
)
from roleplay.models.live import (
    BUSY_QUEUE_STATUSES,
    LIVE_OPEN_STATUSES,
    CategoryQuota,
    LiveSession,
    LiveSessionStatus,
    LiveSide,
    MatchQueueEntry,
    QueueEntryStatus,
)

__all__ = [
    "ATTRIBUTE_FIELDS",
    "AUGMENTATION_KINDS",
    "BEHAVIOUR_FIELDS",
    "BUSY_QUEUE_STATUSES",
    "LIVE_OPEN_STATUSES",
    "CategoryQuota",
    "Character",
    "CharacterCategory",
    "CharacterPrompt",
    "CharacterSource",
    "Dialogue",
    "DialogueSource",
    "DialogueStatus",
    "Language",
    "LiveSession",
    "LiveSessionStatus",
    "LiveSide",
    "MatchQueueEntry",
    "PlayerPersona",
    "PromptKind",
    "QueueEntryStatus",
    "ReviewStatus",
    "Speaker",
    "Topic",
    "Turn",
]
