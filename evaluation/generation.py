"""What a contestant is asked in an evaluation session, and its reply.

The request is the human–machine chat's (``reply_request``: the character prompt and greeting in
the system message, the turns so far), with the contestant's own generation settings; the reply
comes from the contestant's inference backend (local transformers, the inference worker, or an
OpenAI-compatible endpoint such as a reference model).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from evaluation.models import Assignment, Contestant
from roleplay.live.human_machine import reply_request
from roleplay.models import Turn
from training.inference import ChatRequest, InferenceError, backend_for


def contestant_request(assignment: Assignment, contestant: Contestant) -> ChatRequest:
    turns = list(Turn.objects.filter(dialogue=assignment.dialogue).order_by("seq"))
    request = reply_request(assignment.dialogue, turns)
    return ChatRequest(messages=request.messages, settings=dict(contestant.model_version.generation_settings or {}))


def replies_generate(assignment: Assignment, contestants: list[Contestant]) -> dict[int, str]:
    """Each contestant's reply to the session's context (generated side by side), by contestant id."""
    requests = {c.pk: (backend_for(c.model_version), contestant_request(assignment, c)) for c in contestants}
    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        futures = {pk: pool.submit(backend.generate, request) for pk, (backend, request) in requests.items()}
        return {pk: future.result() for pk, future in futures.items()}


__all__ = ["InferenceError", "contestant_request", "replies_generate"]
