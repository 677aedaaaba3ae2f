"""Real browser (Debian's Chromium through Playwright) against uvicorn: one rewrite, one extraction."""

import re

import pytest

from annotation.models import AnnotationTask, LiteraryWork, TaskStatus
from annotation.services.synthesis import batch_create
from annotation.services.task_queue import dialogue_review_tasks_create
from annotation.services.templates import templates_ensure_defaults
from platform_core.roles import Role
from roleplay.models import Dialogue, DialogueSource, DialogueStatus
from tests.factories import SyntheticDialogueFactory, TurnFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def signed_in_page(chromium, server, cookie):
    context = chromium.new_context(viewport={"width": 390, "height": 844})  # phone width
    context.add_cookies([{"name": "sessionid", "value": cookie, "url": server.url}])
    return context, context.new_page()


def test_annotator_rewrites_a_line_with_keyboard_shortcuts(chromium, uvicorn_server, session_cookie):
    reviewer = UserFactory(roles=[Role.ANNOTATOR], profile__can_review_rewrites=True)
    dialogue = SyntheticDialogueFactory()
    TurnFactory(dialogue=dialogue, seq=1, speaker="player", text="请问您今日心情如何？")
    TurnFactory(dialogue=dialogue, seq=2, speaker="character", text="吾今日之心情甚为愉悦。")
    dialogue_review_tasks_create(dialogue=dialogue, reviews=1)
    context, page = signed_in_page(chromium, uvicorn_server, session_cookie(reviewer))
    try:
        page.goto(f"{uvicorn_server.url}/annotation/review/")
        page.get_by_test_id("start-task").click()
        page.wait_for_url(re.compile(r"/annotation/review/\d+/$"))
        page.keyboard.press("j")  # next line
        page.keyboard.press("e")  # edit it
        area = page.locator("textarea[name^=text_]").nth(1)
        assert area.evaluate("el => el === document.activeElement")
        area.fill("我今天心情挺好的！")
        diff = page.locator(".line").nth(1).locator(".diff-view")
        assert diff.locator("ins").count() >= 1 and diff.locator("del").count() >= 1
        page.keyboard.press("Escape")
        page.keyboard.press("4")
        page.keyboard.press("a")  # accept
        page.wait_for_url(re.compile(r"/annotation/review/$"))
        assert "Review saved" in page.content()
    finally:
        context.close()
    dialogue.refresh_from_db()
    assert dialogue.status == DialogueStatus.ACCEPTED
    turn = dialogue.turns.get(seq=2)
    assert (turn.text, turn.original_text) == ("我今天心情挺好的！", "吾今日之心情甚为愉悦。")


def test_annotator_extracts_a_two_party_dialogue(chromium, uvicorn_server, session_cookie):
    admin = UserFactory(roles=[Role.ADMIN])
    extractor = UserFactory(roles=[Role.ANNOTATOR], profile__can_extract_literary=True)
    text = "第一回 问路\n悟空道：“师父，前面有座山。”唐僧道：“小心些。”\n八戒笑道：“怕什么！”悟空道：“呆子莫吵。”\n"
    # The admin uploads the work in the browser (GBK-encoded); the server decodes and scans it.
    context, page = signed_in_page(chromium, uvicorn_server, session_cookie(admin))
    try:
        page.goto(f"{uvicorn_server.url}/annotation/works/upload/")
        page.fill("#id_title", "西游")
        page.select_option("#id_language", "zh-hans")
        page.set_input_files(
            "#id_file", files=[{"name": "xiyou.txt", "mimeType": "text/plain", "buffer": text.encode("gbk")}]
        )
        page.get_by_role("button", name="Upload").click()
        page.wait_for_url(re.compile(r"/annotation/works/\d+/$"))
        assert page.get_by_test_id("work-status").inner_text() == "Ready"
    finally:
        context.close()
    work = LiteraryWork.objects.get()
    assert work.detected_encoding == "gb18030"
    assert AnnotationTask.objects.filter(candidate__work=work).count() == 1
    context, page = signed_in_page(chromium, uvicorn_server, session_cookie(extractor))
    try:
        page.goto(f"{uvicorn_server.url}/annotation/extraction/")
        page.get_by_test_id("start-task").click()
        page.wait_for_url(re.compile(r"/annotation/extraction/\d+/$"))
        assert page.get_by_test_id("a-name").input_value() == "悟空"
        assert page.get_by_test_id("b-name").input_value() == "唐僧"
        assert page.get_by_test_id("role-2").input_value() == "drop"  # 八戒, a third party
        page.fill("#a_identity", "唐僧的大徒弟，神通广大")
        page.fill("#b_identity", "取经的高僧")
        page.get_by_test_id("a-create").check()
        page.get_by_test_id("b-create").check()
        page.get_by_test_id("save-extraction").click()
        page.wait_for_url(re.compile(r"/annotation/extraction/$"))
    finally:
        context.close()
    dialogue = Dialogue.objects.get(source=DialogueSource.LITERARY)
    assert dialogue.character.name == "悟空" and dialogue.player_persona.name == "唐僧"
    assert [t.text for t in dialogue.turns.all()] == ["师父，前面有座山。", "小心些。", "呆子莫吵。"]
    assert AnnotationTask.objects.get(candidate__work=work).status == TaskStatus.SUBMITTED


def test_batch_page_shows_generation_progress_live(chromium, uvicorn_server_factory, session_cookie, openai_server):
    """The batch runs in the server (eager Celery) while another tab watches its progress over WebSocket."""
    from annotation.models import BatchStatus, ItemKind, ItemStatus, SynthesisBatch, SynthesisItem
    from tests.annotation.test_synthesis import character_json

    openai_server.responder = lambda body: character_json()
    server = uvicorn_server_factory(
        env={
            "LLM_BASE_URL": openai_server.base_url,
            "LLM_API_KEY": openai_server.api_key,
            "LLM_BACKOFF_BASE_S": "0.01",
            "LLM_REQUESTS_PER_MINUTE": "6000",
        }
    )
    researcher = UserFactory(roles=[Role.RESEARCHER])
    templates_ensure_defaults()
    batch = batch_create(
        name="live", author=researcher, categories=["daily_life"], characters_per_category=1,
        dialogues_per_category=0, turns_per_dialogue=4, start=False,
    )  # fmt: skip
    SynthesisBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.QUEUED)
    SynthesisItem.objects.filter(batch=batch, kind=ItemKind.CHARACTER).update(status=ItemStatus.FAILED, error="x")
    context = chromium.new_context()
    context.add_cookies([{"name": "sessionid", "value": session_cookie(researcher), "url": server.url}])
    try:
        watcher = context.new_page()
        watcher.goto(f"{server.url}/annotation/batches/{batch.pk}/")
        assert watcher.get_by_test_id("batch-status").inner_text() == "Queued"
        watcher.wait_for_timeout(500)  # let the progress WebSocket connect
        actor = context.new_page()
        actor.goto(f"{server.url}/annotation/batches/{batch.pk}/")
        actor.get_by_role("button", name="Retry failed items").click()
        # The watcher's page hears 100 % over the WebSocket and reloads itself.
        # Under the 10 s polling fallback, so only the WebSocket path can pass this.
        watcher.get_by_test_id("batch-status").filter(has_text="Completed").wait_for(timeout=8000)
        assert watcher.get_by_test_id("progress-percent").inner_text() == "100.0%"
    finally:
        context.close()
    assert SynthesisItem.objects.get(batch=batch).status == ItemStatus.DONE
