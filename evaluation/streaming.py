"""The streamed pair of a pairwise evaluation turn: NDJSON lines, one module for the wire format.

(A pointwise session streams its replies through the live chat's WebSocket, ``roleplay.live``.)

``POST /evaluation/sessions/<id>/reply/`` with ``{"text": …}`` stores the evaluator's message
(without ``text``: retries the models after a failure), then answers ``application/x-ndjson``:

- ``{"type": "turn", "turn": {seq, speaker, text, by_model}}``: the evaluator's stored message;
- ``{"type": "stream", "side": "left" | "right", "text": <reply so far>}``: pieces as both
  contestants generate them at once, each on the side it will be shown on (an attention check's
  planted side is not streamed);
- ``{"type": "state", "state": <the session as the sessions API returns it>}``: the turn is stored;
- ``{"type": "error", "code", "detail"}``: nothing more comes.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass

from asgiref.sync import sync_to_async
from django.db import transaction
from django.utils.translation import gettext as _

from evaluation import services
from evaluation.generation import contestant_request
from evaluation.models import Assignment
from evaluation.serializers import AssignmentSerializer
from evaluation.services.judgments import pair_layout
from roleplay.message_checks import drop_unstorable
from training.inference import ChatRequest, InferenceError, astream, backend_for


@dataclass(frozen=True)
class Lane:
    side: str  # "left" or "right"
    contestant_id: int
    backend: object
    request: ChatRequest
    shown: bool  # False for the side an attention check replaces


def line(frame: dict) -> bytes:
    return (json.dumps(frame, ensure_ascii=False) + "\n").encode()


@transaction.atomic  # the session is read under its row lock, as every write to it is
def lanes_plan(*, assignment_id: int, evaluator) -> list[Lane]:
    """Who answers the pending evaluator message, on which side; refuses like the services do."""
    assignment = services.judgments.assignment_for_write(assignment_id=assignment_id, evaluator=evaluator)
    services.judgments.refuse_unless_pairwise_chat(assignment)
    if assignment.pairwise_judgments.filter(choice="").exists():
        raise services.EvaluationRefused("pair_pending", _("Choose between the two replies first."))
    layout = pair_layout(assignment)
    return [
        Lane(side, c.pk, backend_for(c.model_version), contestant_request(assignment, c), layout.planted != side)
        for side, c in (("left", layout.left), ("right", layout.right))
    ]


def _store(*, assignment_id: int, evaluator, texts: dict[int, str]) -> dict:
    services.pairwise_pair_store(assignment_id=assignment_id, evaluator=evaluator, replies=texts)
    return AssignmentSerializer(Assignment.objects.get(pk=assignment_id)).data


async def reply_stream(*, assignment_id: int, evaluator, lanes: list[Lane]) -> AsyncIterator[bytes]:
    """Generate every lane at once, yield their text as it grows, then store and yield the state."""
    queue: asyncio.Queue = asyncio.Queue()
    texts = {lane.contestant_id: "" for lane in lanes}

    async def run(lane: Lane) -> None:
        try:
            async for raw_piece in astream(lane.backend, lane.request):
                piece = drop_unstorable(raw_piece)  # the stream shows what the stored turn will hold
                if not piece:
                    continue
                texts[lane.contestant_id] += piece
                if lane.shown:
                    await queue.put({"type": "stream", "side": lane.side, "text": texts[lane.contestant_id]})
        except InferenceError as error:
            await queue.put({"type": "error", "code": "model_unavailable", "detail": str(error)})
        finally:
            await queue.put(None)

    tasks = [asyncio.ensure_future(run(lane)) for lane in lanes]
    running, failed = len(tasks), False
    try:
        while running:
            frame = await queue.get()
            if frame is None:
                running -= 1
                continue
            failed = failed or frame["type"] == "error"
            yield line(frame)
    finally:
        for task in tasks:
            task.cancel()
    if failed:
        return
    try:
        state = await sync_to_async(_store)(assignment_id=assignment_id, evaluator=evaluator, texts=texts)
    except services.EvaluationRefused as refused:
        yield line({"type": "error", "code": refused.code, "detail": refused.message})
        return
    yield line({"type": "state", "state": state})
