from workforce.models.kinds import SIGNED_ENTRY_KINDS, EntryKind, UnitKind
from workforce.models.ledger import AppendOnlyError, LedgerAccount, LedgerEntry, PieceRate, validate_currency
from workforce.models.onboarding import Onboarding, Qualification, QuizAttempt, QuizQuestion
from workforce.models.payouts import (
    ExternalPlatform,
    PayoutBatch,
    PayoutCursor,
    PayoutState,
    PayoutTotal,
    WorkerExternalId,
)
from workforce.models.studies import ParticipantOutcome, Study, StudyParticipant
from workforce.models.units import (
    PAID_UNIT_STATES,
    REVIEWED_UNIT_STATES,
    UNIT_TRANSITIONS,
    ReasonCategory,
    UnitState,
    WorkUnit,
)

__all__ = [
    "PAID_UNIT_STATES",
    "REVIEWED_UNIT_STATES",
    "SIGNED_ENTRY_KINDS",
    "UNIT_TRANSITIONS",
    "AppendOnlyError",
    "EntryKind",
    "ExternalPlatform",
    "LedgerAccount",
    "LedgerEntry",
    "Onboarding",
    "ParticipantOutcome",
    "PayoutBatch",
    "PayoutCursor",
    "PayoutState",
    "PayoutTotal",
    "PieceRate",
    "Qualification",
    "QuizAttempt",
    "QuizQuestion",
    "ReasonCategory",
    "Study",
    "StudyParticipant",
    "UnitKind",
    "UnitState",
    "WorkUnit",
    "WorkerExternalId",
    "validate_currency",
]
