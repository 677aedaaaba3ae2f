"""Every write of an evaluation campaign, as keyword-only typed functions.

- ``campaigns``: create, update, open and close a campaign (its contestants and dimensions freeze
  once judgments exist).
- ``assignments``: the balanced plan of each evaluator and ``assignment_next``.
- ``judgments``: pairwise chat turns and judgments, pointwise ratings and per-turn error labels
  (a pointwise session chats in the live chat, ``roleplay.live``).
- ``judge``: the optional LLM judge.
"""

from evaluation.services.assignments import assignment_abandon, assignment_next, evaluator_plan, own_character_add
from evaluation.services.campaigns import (
    EvaluationRefused,
    campaign_close,
    campaign_create,
    campaign_open,
    campaign_update,
)
from evaluation.services.judgments import (
    error_label_set,
    pairwise_finish,
    pairwise_judge,
    pairwise_pair_store,
    player_turn_append,
    rating_submit,
)

__all__ = [
    "EvaluationRefused",
    "assignment_abandon",
    "assignment_next",
    "campaign_close",
    "campaign_create",
    "campaign_open",
    "campaign_update",
    "error_label_set",
    "evaluator_plan",
    "own_character_add",
    "pairwise_finish",
    "pairwise_judge",
    "pairwise_pair_store",
    "player_turn_append",
    "rating_submit",
]
