"""A real browser: an annotator reviews a finished live role-play from the dialogue review queue with the
keyboard (flag a line, rate, write the note, accept); the player of that dialogue is never served it."""

import re

import pytest

from annotation.models import AnnotationTask, TaskKind, TaskStatus
from platform_core.roles import Role
from roleplay.models import DialogueSource, DialogueStatus
from roleplay.services import dialogue_set_status
from tests.factories import DialogueFactory, TurnFactory, UserFactory

pytestmark = pytest.mark.browser


def _page_as(chromium, server, cookie):
    context = chromium.new_context()
    context.add_cookies([{"name": "sessionid", "value": cookie, "url": server.url}])
    return context, context.new_page()


def test_an_annotator_reviews_a_live_role_play_with_the_keyboard(chromium, uvicorn_server_factory, session_cookie):
    server = uvicorn_server_factory(env={"ANNOTATION_REVIEWS_PER_DIALOGUE": "1", "ANNOTATION_GOLD_RATE": "0"})
    player = UserFactory(roles=[Role.CROWDWORKER, Role.ANNOTATOR], profile__can_review_rewrites=True)
    character_worker = UserFactory(roles=[Role.CROWDWORKER])
    reviewer = UserFactory(roles=[Role.ANNOTATOR], profile__can_review_rewrites=True)
    dialogue = DialogueFactory(
        source=DialogueSource.HUMAN_ROLEPLAY, player_worker=player, character_worker=character_worker
    )
    TurnFactory(dialogue=dialogue, seq=1, speaker="player", text="今天下雨了。", author_user=player)
    TurnFactory(
        dialogue=dialogue, seq=2, speaker="character", text="作为一个AI，我没有感受。", author_user=character_worker
    )
    TurnFactory(dialogue=dialogue, seq=3, speaker="player", text="哈哈，好吧。", author_user=player)
    dialogue_set_status(dialogue=dialogue, status=DialogueStatus.SUBMITTED)  # what the live session's end does

    context, page = _page_as(chromium, server, session_cookie(player))
    try:
        page.goto(f"{server.url}/annotation/dialogue-review/")
        page.get_by_test_id("start-task").click()
        page.wait_for_url(f"{server.url}/annotation/dialogue-review/")
        assert "No open tasks" in page.content()  # the player's own dialogue is not theirs to review
    finally:
        context.close()

    context, page = _page_as(chromium, server, session_cookie(reviewer))
    try:
        page.goto(f"{server.url}/annotation/")
        page.get_by_role("link", name="Dialogue review").click()
        row = page.locator("tr[data-source='human_roleplay']")
        assert row.locator("td").nth(1).inner_text() == "1"
        page.get_by_test_id("start-human_roleplay").click()
        page.wait_for_url(re.compile(r"/annotation/dialogue-review/\d+/$"))
        assert page.get_by_test_id("dialogue-source").inner_text().startswith("Human role-play")
        assert page.locator("#lines .turn").all_inner_texts() == [
            "今天下雨了。",
            "作为一个AI，我没有感受。",
            "哈哈，好吧。",
        ]
        assert page.locator("textarea[name^=text_]").count() == 0  # read, not rewritten
        page.keyboard.press("j")  # to line 2
        page.keyboard.press("o")  # out of character
        assert page.locator(".line").nth(1).get_attribute("class") == "line current ooc"
        page.keyboard.press("2")
        assert page.locator("#rating").input_value() == "2"
        page.keyboard.press("r")  # reject without a note: the note field takes the focus instead
        assert page.locator("#reason").evaluate("el => el === document.activeElement")
        page.keyboard.type("角色说自己是AI。")
        page.keyboard.press("Escape")
        page.keyboard.press("r")
        page.wait_for_url(f"{server.url}/annotation/dialogue-review/")
        assert "Review saved." in page.content()
    finally:
        context.close()

    dialogue.refresh_from_db()
    assert (dialogue.status, dialogue.quality_rating, dialogue.review_note) == (
        DialogueStatus.REJECTED,
        2,
        "角色说自己是AI。",
    )
    task = AnnotationTask.objects.get(dialogue=dialogue, kind=TaskKind.DIALOGUE_REVIEW)
    assert (task.status, task.assignee) == (TaskStatus.SUBMITTED, reviewer)
    assert task.result["ooc"] == [dialogue.turns.get(seq=2).pk]  # the flagged line, kept with the review
