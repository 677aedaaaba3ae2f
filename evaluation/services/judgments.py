"""Chat turns and judgments of an evaluation session.

Each write checks, in order: the session is the evaluator's (``not_assigned``), the campaign is
open (``campaign_closed``), the session is still in progress (``already_submitted``), then the
input itself; a refused write stores nothing.

A pointwise session's chat turns are written by the live chat (``roleplay.live``: the evaluator's
messages over the WebSocket, the contestant's replies by the model seat) into the session's
dialogue; here are its labels and its ratings, which end it. A pairwise session's turns are
written here.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from evaluation.definitions import ERROR_LABEL_KEYS, RATING_MAX, RATING_MIN
from evaluation.models import (
    Assignment,
    AssignmentStatus,
    CampaignStatus,
    Choice,
    Contestant,
    ErrorLabel,
    Mode,
    PairwiseJudgment,
    PointwiseRating,
    Side,
)
from evaluation.quality import attention_text, reveals_identity
from evaluation.services.campaigns import EvaluationRefused
from platform_core.models import User
from roleplay.live.sessions import live_owned_session_end
from roleplay.message_checks import storable_text
from roleplay.models import DialogueStatus, Speaker, Turn
from roleplay.services import dialogue_set_status, turn_append

REASON_LIMIT = 500
COMMENT_LIMIT = 2000


def assignment_for_write(*, assignment_id: int, evaluator: User) -> Assignment:
    """The evaluator's session, locked, refused unless it is theirs, open and in progress."""
    assignment = (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("campaign", "contestant__model_version", "opponent__model_version", "dialogue")
        .filter(pk=assignment_id)
        .first()
    )
    if assignment is None or assignment.evaluator_id != evaluator.pk:
        raise EvaluationRefused("not_assigned", _("This session is not assigned to you."))
    if assignment.campaign.status != CampaignStatus.OPEN:
        raise EvaluationRefused("campaign_closed", _("This campaign is not open for judgments."))
    if assignment.status != AssignmentStatus.ACTIVE:
        raise EvaluationRefused("already_submitted", _("This session is already finished."))
    return assignment


def refuse_unless_pairwise_chat(assignment: Assignment) -> None:
    """Chat turns are written here for pairwise sessions only: a pointwise session chats in the live chat."""
    if assignment.mode != Mode.PAIRWISE:
        raise EvaluationRefused("live_chat_only", _("A pointwise session is chatted in its live chat."))


def _turns(assignment: Assignment) -> list[Turn]:
    return list(Turn.objects.filter(dialogue=assignment.dialogue).order_by("seq"))


def _pending_pair(assignment: Assignment) -> PairwiseJudgment | None:
    return assignment.pairwise_judgments.filter(choice="").order_by("turn_seq").first()


@transaction.atomic
def player_turn_append(*, assignment_id: int, evaluator: User, text: object) -> Turn:
    """The evaluator's message in a pairwise session; both models answer it next."""
    assignment = assignment_for_write(assignment_id=assignment_id, evaluator=evaluator)
    refuse_unless_pairwise_chat(assignment)
    text = storable_text(text) if isinstance(text, str) else ""
    if not text:
        raise EvaluationRefused("empty", _("The message is empty."), field="text")
    if len(text) > settings.LIVE_MAX_MESSAGE_CHARS:
        raise EvaluationRefused("too_long", _("The message is too long."), field="text")
    if _pending_pair(assignment) is not None:
        raise EvaluationRefused("pair_pending", _("Choose between the two replies first."))
    turns = _turns(assignment)
    if turns and turns[-1].speaker == Speaker.PLAYER:
        raise EvaluationRefused("not_your_turn", _("Wait for the character's reply."))
    return turn_append(
        dialogue_id=assignment.dialogue_id, speaker=Speaker.PLAYER, text=text, author_user=evaluator
    ).turn


def model_turn_store(*, assignment: Assignment, contestant: Contestant, text: str) -> Turn:
    """A pairwise session's chosen reply becomes the character's next turn, authored by its model version."""
    turn = turn_append(
        dialogue_id=assignment.dialogue_id,
        speaker=Speaker.CHARACTER,
        text=text,
        author_model=contestant.model_version,
        client_msg_id=uuid.uuid4(),
    ).turn
    if reveals_identity(text) and not assignment.identity_leak:
        assignment.identity_leak = True
        assignment.save(update_fields=["identity_leak"])
    return turn


def _rng(assignment: Assignment, turn_seq: int, purpose: str) -> random.Random:
    return random.Random(f"{assignment.campaign.seed}:{assignment.pk}:{turn_seq}:{purpose}")


@dataclass(frozen=True)
class PairLayout:
    """Where each contestant's reply goes for the next pair of a session, decided before generating
    (so both can stream to their sides): sides drawn at random, seeded by the campaign seed, the
    session and the turn; ``planted`` is the side an attention check replaces, if any."""

    turn_seq: int
    left: Contestant
    right: Contestant
    planted: str

    def side_of(self, contestant_id: int) -> str:
        return Side.LEFT if self.left.pk == contestant_id else Side.RIGHT


def pair_layout(assignment: Assignment) -> PairLayout:
    turns = _turns(assignment)
    if not turns or turns[-1].speaker != Speaker.PLAYER:
        raise EvaluationRefused("not_model_turn", _("The models answer after your message."))
    turn_seq = turns[-1].seq + 1
    rng = _rng(assignment, turn_seq, "sides")
    pair = (assignment.contestant, assignment.opponent)
    left, right = pair if rng.random() < 0.5 else pair[::-1]
    planted = ""
    every = assignment.campaign.attention_every
    if every and (assignment.pairwise_judgments.count() + 1) % every == 0:
        planted = Side.LEFT if rng.random() < 0.5 else Side.RIGHT
    return PairLayout(turn_seq, left, right, planted)


@transaction.atomic
def pairwise_pair_store(*, assignment_id: int, evaluator: User, replies: Mapping[int, str]) -> PairwiseJudgment:
    """Both contestants' replies to the same context, on the sides of ``pair_layout``, waiting for
    a choice. In an attention check the planted reply replaces one side and the expected choice is
    the other side."""
    assignment = assignment_for_write(assignment_id=assignment_id, evaluator=evaluator)
    refuse_unless_pairwise_chat(assignment)
    if _pending_pair(assignment) is not None:
        raise EvaluationRefused("pair_pending", _("Choose between the two replies first."))
    texts = {c.pk: storable_text(replies.get(c.pk, "")) for c in (assignment.contestant, assignment.opponent)}
    if not all(texts.values()):
        raise EvaluationRefused("empty_reply", _("A model produced an empty reply."))
    layout = pair_layout(assignment)
    left_text, right_text = texts[layout.left.pk], texts[layout.right.pk]
    expected = ""
    if layout.planted:
        planted = attention_text(assignment.character.language)
        if layout.planted == Side.LEFT:
            left_text, expected = planted, Choice.RIGHT
        else:
            right_text, expected = planted, Choice.LEFT
    return PairwiseJudgment.objects.create(
        assignment=assignment,
        turn_seq=layout.turn_seq,
        left=layout.left,
        right=layout.right,
        left_text=left_text,
        right_text=right_text,
        attention_expected=expected,
        identity_leak=any(reveals_identity(text) for text in texts.values()),
    )


@transaction.atomic
def pairwise_judge(
    *, assignment_id: int, evaluator: User, turn_seq: object, choice: object, reason: object = ""
) -> tuple[PairwiseJudgment, Turn]:
    """The evaluator's choice on a pair; the chosen reply (tie or both bad: a seeded random one)
    continues the dialogue. Returns the judgment and the new turn."""
    assignment = assignment_for_write(assignment_id=assignment_id, evaluator=evaluator)
    if choice not in Choice.values:
        raise EvaluationRefused(
            "bad_choice", _("Choose one of: %(known)s.") % {"known": ", ".join(Choice.values)}, field="choice"
        )
    reason = reason.strip() if isinstance(reason, str) else ""
    if len(reason) > REASON_LIMIT:
        raise EvaluationRefused("too_long", _("The reason is too long."), field="reason")
    valid_seq = isinstance(turn_seq, int) and not isinstance(turn_seq, bool)
    judgment = (
        PairwiseJudgment.objects.select_for_update(of=("self",))
        .select_related("left__model_version", "right__model_version")
        .filter(assignment=assignment, turn_seq=turn_seq if valid_seq else -1)
        .first()
    )
    if judgment is None:
        raise EvaluationRefused("no_such_pair", _("There is no pair at this turn."), field="turn_seq")
    if judgment.choice:
        raise EvaluationRefused("already_judged", _("This pair is already judged."), field="turn_seq")
    judgment.choice = choice
    judgment.reason = reason
    judgment.judged_at = timezone.now()
    if judgment.attention_expected:
        side = Side.LEFT if judgment.attention_expected == Choice.LEFT else Side.RIGHT
    elif choice in (Choice.LEFT, Choice.RIGHT):
        side = choice
    else:
        side = Side.LEFT if _rng(assignment, judgment.turn_seq, "continue").random() < 0.5 else Side.RIGHT
    judgment.continued_with = side
    judgment.save(update_fields=["choice", "reason", "judged_at", "continued_with"])
    contestant = judgment.left if side == Side.LEFT else judgment.right
    text = judgment.left_text if side == Side.LEFT else judgment.right_text
    turn = model_turn_store(assignment=assignment, contestant=contestant, text=text)
    return judgment, turn


@transaction.atomic
def error_label_set(*, assignment_id: int, evaluator: User, turn_seq: object, labels: Iterable[object]) -> list[str]:
    """Replace the error labels of one model turn (several allowed; an empty list clears them)."""
    assignment = assignment_for_write(assignment_id=assignment_id, evaluator=evaluator)
    labels = list(labels) if not isinstance(labels, str | bytes) else [labels]
    unknown = [label for label in labels if label not in ERROR_LABEL_KEYS]
    if unknown:
        raise EvaluationRefused(
            "bad_label",
            _("Unknown error label(s): %(labels)s.") % {"labels": ", ".join(map(str, unknown))},
            field="labels",
        )
    valid_seq = isinstance(turn_seq, int) and not isinstance(turn_seq, bool)
    turn = Turn.objects.filter(dialogue=assignment.dialogue, seq=turn_seq if valid_seq else -1).first()
    if turn is None or turn.author_model_id is None:
        raise EvaluationRefused("not_a_model_turn", _("Only the model's replies can be labelled."), field="turn_seq")
    ErrorLabel.objects.filter(assignment=assignment, turn=turn).delete()
    wanted = sorted(set(labels))
    ErrorLabel.objects.bulk_create([ErrorLabel(assignment=assignment, turn=turn, label=label) for label in wanted])
    return wanted


def _parse_ratings(assignment: Assignment, ratings: object) -> dict[str, int]:
    keys = assignment.campaign.dimension_keys()
    if not isinstance(ratings, Mapping):
        raise EvaluationRefused("bad_ratings", _("Ratings are an object of dimension → 1–5."), field="ratings")
    missing = [key for key in keys if key not in ratings]
    unknown = [key for key in ratings if key not in keys]
    if missing or unknown:
        raise EvaluationRefused(
            "bad_ratings",
            _("Rate exactly these dimensions: %(keys)s.") % {"keys": ", ".join(keys)},
            field="ratings",
        )
    parsed = {}
    for key in keys:
        value = ratings[key]
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not RATING_MIN <= value <= RATING_MAX:
            raise EvaluationRefused(
                "out_of_range",
                _("%(dimension)s must be a whole number from %(low)s to %(high)s.")
                % {"dimension": key, "low": RATING_MIN, "high": RATING_MAX},
                field=f"ratings.{key}",
            )
        parsed[key] = value
    return parsed


def _finish(assignment: Assignment, *also: str) -> None:
    """Submit the session (saving the fields named in ``also`` with it)."""
    assignment.status = AssignmentStatus.SUBMITTED
    assignment.submitted_at = timezone.now()
    assignment.save(update_fields=["status", "submitted_at", "comment", *also])
    if assignment.dialogue is not None and assignment.dialogue.status == DialogueStatus.COLLECTING:
        dialogue_set_status(dialogue=assignment.dialogue, status=DialogueStatus.SUBMITTED)


def _identity_leak_scan(assignment: Assignment) -> None:
    """Flag the session if any reply the contestant gave reveals a model or vendor identity (its
    live session has ended, so no reply can arrive after the scan)."""
    replies = Turn.objects.filter(dialogue=assignment.dialogue, author_model__isnull=False).values_list(
        "text", flat=True
    )
    assignment.identity_leak = any(reveals_identity(text) for text in replies)


@transaction.atomic
def rating_submit(*, assignment_id: int, evaluator: User, ratings: object, comment: object = "") -> Assignment:
    """The 1–5 ratings of a pointwise session, once it has ``min_turns`` turns; ends the session
    and its live chat."""
    assignment = assignment_for_write(assignment_id=assignment_id, evaluator=evaluator)
    if assignment.mode != Mode.POINTWISE:
        raise EvaluationRefused("not_pointwise", _("This is not a pointwise session."))
    parsed = _parse_ratings(assignment, ratings)
    comment = comment.strip() if isinstance(comment, str) else ""
    if len(comment) > COMMENT_LIMIT:
        raise EvaluationRefused("too_long", _("The comment is too long."), field="comment")
    turns = Turn.objects.filter(dialogue=assignment.dialogue).count()
    if turns < assignment.campaign.min_turns:
        raise EvaluationRefused(
            "too_few_turns",
            _("Chat for at least %(n)s turns before rating (now %(turns)s).")
            % {"n": assignment.campaign.min_turns, "turns": turns},
        )
    if assignment.live_session_id is not None:
        live_owned_session_end(session_id=assignment.live_session_id, finished=True)
    _identity_leak_scan(assignment)
    PointwiseRating.objects.bulk_create(
        [PointwiseRating(assignment=assignment, dimension=key, value=value) for key, value in parsed.items()]
    )
    assignment.comment = comment
    _finish(assignment, "identity_leak")
    return assignment


@transaction.atomic
def pairwise_finish(*, assignment_id: int, evaluator: User) -> Assignment:
    """End a pairwise session after at least one judged pair."""
    assignment = assignment_for_write(assignment_id=assignment_id, evaluator=evaluator)
    if assignment.mode != Mode.PAIRWISE:
        raise EvaluationRefused("not_pairwise", _("This is not a pairwise session."))
    if not assignment.pairwise_judgments.exclude(choice="").exists():
        raise EvaluationRefused("nothing_judged", _("Judge at least one pair before finishing."))
    assignment.pairwise_judgments.filter(choice="").delete()  # a pair shown but never judged
    _finish(assignment)
    return assignment
