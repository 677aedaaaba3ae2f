"""The kinds of paid work and of ledger rows, shared by units, rates, reports and payouts."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitKind(models.TextChoices):
    LIVE_CHARACTER = "live_character", _("Live role-play, character side")
    LIVE_PLAYER = "live_player", _("Live role-play, player side")
    REWRITE_REVIEW = "rewrite_review", _("Colloquial rewrite review")
    EXTRACTION = "extraction", _("Literary extraction")
    PROMPT_WRITING = "prompt_writing", _("Character-prompt writing")
    PROMPT_VARIANTS = "prompt_variants", _("Prompt variant review")
    DIALOGUE_REVIEW = "dialogue_review", _("Dialogue review")
    EVALUATION_SESSION = "evaluation_session", _("Evaluation session")
    EVALUATION_BATCH = "evaluation_batch", _("Pairwise evaluation batch")


class EntryKind(models.TextChoices):
    PIECE_RATE = "piece_rate", _("Piece rate")
    WAITING = "waiting", _("Time spent waiting")
    STRANDED = "stranded", _("Partner left")
    BONUS = "bonus", _("Bonus")
    ADJUSTMENT = "adjustment", _("Adjustment")
    REVERSAL = "reversal", _("Reversal")
    TOP_UP = "top_up", _("Fair-pay top-up")


# Kinds whose amount may be negative: a reversal undoes a row, an adjustment corrects by hand.
SIGNED_ENTRY_KINDS = (EntryKind.REVERSAL, EntryKind.ADJUSTMENT)
