import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from annotation.models import AnnotationTask, LiteraryWork, TaskKind, TaskStatus, WorkStatus
from annotation.services.extraction import (
    PartyProfile,
    extraction_discard,
    extraction_submit,
    literary_work_scan,
    work_upload,
)
from annotation.services.task_queue import TaskRefused, gold_create, task_claim_next
from platform_core.roles import Role
from roleplay.models import CharacterSource, Dialogue, DialogueSource
from tests.factories import CharacterFactory

pytestmark = pytest.mark.django_db

NOVEL = (
    "第一回 探病\n"
    "宝玉笑道：“妹妹今日可好些了？”黛玉道：“好不好的，与你什么相干。”\n"
    "紫鹃插嘴道：“姑娘昨夜咳了一宿。”宝玉忙道：“我明日再来瞧你。”\n"
    "第二回 散步\n天色已晚，众人各自散去。\n"
)


@pytest.fixture
def extractor(make_user):
    return make_user(Role.ANNOTATOR, profile__can_extract_literary=True)


def upload(client, data: bytes, name="novel.txt"):
    return client.post(
        reverse("annotation:work-upload"),
        {"title": "石头记", "author": "曹雪芹", "language": "zh-hans", "licence_note": "public domain",
         "file": SimpleUploadedFile(name, data)},
    )  # fmt: skip


def test_admin_uploads_a_gbk_work_which_is_split_and_queued(client, admin_user, committed):
    client.force_login(admin_user)
    with committed():
        response = upload(client, NOVEL.encode("gbk"))
    assert response.status_code == 302
    work = LiteraryWork.objects.get()
    assert work.status == WorkStatus.READY
    assert work.detected_encoding == "gb18030"
    assert [c.title for c in work.chapters.all()] == ["第一回 探病", "第二回 散步"]
    [candidate] = work.candidates.all()
    assert [line["speaker"] for line in candidate.lines] == ["宝玉", "黛玉", "紫鹃", "宝玉"]
    assert AnnotationTask.objects.filter(kind=TaskKind.EXTRACTION, candidate=candidate).count() == 1
    page = client.get(response["Location"]).content.decode()
    assert "第一回 探病" in page and "gb18030" in page


def test_undecodable_upload_is_refused_with_a_clear_error(client, admin_user):
    client.force_login(admin_user)
    response = upload(client, bytes(range(256)) * 8, name="blob.txt")
    assert response.status_code == 400
    assert "binary" in response.context["form"].errors["file"][0]
    assert not LiteraryWork.objects.exists()


def test_annotators_cannot_upload_works(client, extractor):
    client.force_login(extractor)
    assert client.get(reverse("annotation:work-upload")).status_code == 403


def scanned_work(admin_user):
    work = work_upload(
        title="石头记", language="zh-hans", filename="n.txt", data=NOVEL.encode("utf-8"), uploader=admin_user
    )
    literary_work_scan(work_id=work.pk)
    return work


def test_extraction_through_the_page_keeps_two_parties_and_reuses_a_character(client, admin_user, extractor, settings):
    settings.ANNOTATION_GOLD_RATE = 0
    work = scanned_work(admin_user)
    existing = CharacterFactory(name="宝玉", language="zh-hans", identity="荣国府的公子")
    client.force_login(extractor)
    response = client.post(reverse("annotation:extraction-next"))
    task_url = response["Location"]
    page = client.get(task_url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="宝玉"' in html and 'value="黛玉"' in html  # the two main speakers are proposed
    assert f'value="{existing.pk}"' in html  # and the existing 宝玉 is offered for reuse
    response = client.post(
        task_url,
        {
            "a_name": "宝玉", "b_name": "黛玉", "a_existing": str(existing.pk), "b_existing": "", "b_create": "on",
            "a_category": "daily_life", "b_category": "daily_life",
            "b_identity": "寄居贾府的表小姐", "b_personality": "敏感、聪慧",
            "role_0": "a", "text_0": "妹妹今日可好些了？",
            "role_1": "b", "text_1": "好不好的，与你什么相干。",
            "role_2": "drop", "text_2": "姑娘昨夜咳了一宿。",
            "role_3": "a", "text_3": "我明日再来瞧你。",
            "action": "save", "topic": "探病",
        },
    )  # fmt: skip
    assert response.status_code == 302, response.context and response.context["error"]
    dialogue = Dialogue.objects.get(source=DialogueSource.LITERARY)
    assert dialogue.literary_work == work
    assert dialogue.literary_chapter == "第一回 探病"
    assert dialogue.character == existing
    assert dialogue.player_persona.name == "黛玉"
    assert [(t.speaker, t.text) for t in dialogue.turns.all()] == [
        ("character", "妹妹今日可好些了？"),
        ("player", "好不好的，与你什么相干。"),
        ("character", "我明日再来瞧你。"),
    ]
    daiyu = existing.__class__.objects.get(name="黛玉")
    assert daiyu.source == CharacterSource.LITERARY and daiyu.personality == "敏感、聪慧"
    assert AnnotationTask.objects.get(kind=TaskKind.EXTRACTION).status == TaskStatus.SUBMITTED


def test_extraction_needs_both_parties_and_stores_nothing_otherwise(client, admin_user, extractor, settings):
    settings.ANNOTATION_GOLD_RATE = 0
    scanned_work(admin_user)
    client.force_login(extractor)
    task_url = client.post(reverse("annotation:extraction-next"))["Location"]
    response = client.post(
        task_url,
        {
            "a_name": "宝玉", "b_name": "黛玉", "a_identity": "公子", "b_identity": "小姐",
            "role_0": "a", "text_0": "x", "role_1": "drop", "text_1": "y",
            "role_2": "drop", "text_2": "z", "role_3": "a", "text_3": "w", "action": "save",
        },
    )  # fmt: skip
    assert response.status_code == 400
    assert response.context["error"].code == "not_two_party"
    assert not Dialogue.objects.filter(source=DialogueSource.LITERARY).exists()
    response = client.post(
        task_url,
        {
            "a_name": "宝玉", "b_name": "黛玉", "a_identity": "", "b_identity": "小姐", "a_create": "on", "b_create": "on",
            "role_0": "a", "text_0": "x", "role_1": "b", "text_1": "y",
            "role_2": "drop", "text_2": "z", "role_3": "a", "text_3": "w", "action": "save",
        },
    )  # fmt: skip
    assert response.status_code == 400
    assert response.context["error"].field == "a_identity"
    assert not Dialogue.objects.filter(source=DialogueSource.LITERARY).exists()
    from roleplay.models import Character

    assert not Character.objects.filter(name="黛玉").exists()  # the transaction left nothing behind


def test_discarding_a_passage_needs_a_reason(admin_user, extractor, settings):
    settings.ANNOTATION_GOLD_RATE = 0
    scanned_work(admin_user)
    task = task_claim_next(user=extractor, kind=TaskKind.EXTRACTION)
    with pytest.raises(TaskRefused):
        extraction_discard(task=task, user=extractor, reason=" ")
    extraction_discard(task=task, user=extractor, reason="三人对话，无法拆分")
    task.refresh_from_db()
    assert task.status == TaskStatus.SUBMITTED and task.result["discarded"]


def test_epub_upload_is_read_in_spine_order(tmp_path, admin_user, committed):
    from ebooklib import epub

    book = epub.EpubBook()
    book.set_identifier("troupe-test")
    book.set_title("Lantern")
    book.set_language("en")
    chapter = epub.EpubHtml(title="Scene 1", file_name="c1.xhtml", lang="en")
    chapter.content = "<h1>Chapter 1</h1><p>Mary: Where is the lantern?</p><p>Tom: On the shelf.</p>"
    book.add_item(chapter)
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    book.spine = ["nav", chapter]
    path = tmp_path / "lantern.epub"
    epub.write_epub(str(path), book)
    with committed():
        work = work_upload(
            title="Lantern", language="en", filename="lantern.epub", data=path.read_bytes(), uploader=admin_user
        )
    work.refresh_from_db()
    assert work.detected_encoding == "epub"
    assert "Mary: Where is the lantern?" in work.text
    [candidate] = work.candidates.all()
    assert [line["speaker"] for line in candidate.lines] == ["Mary", "Tom"]


def test_gold_extraction_is_scored_line_by_line(admin_user, extractor, make_user, settings):
    settings.ANNOTATION_GOLD_RATE = 0
    scanned_work(admin_user)
    first = task_claim_next(user=extractor, kind=TaskKind.EXTRACTION)
    parties = {"party_a": PartyProfile(name="宝玉", fields={"identity": "公子"}, create_new=True),
               "party_b": PartyProfile(name="黛玉", fields={"identity": "小姐"}, create_new=True)}  # fmt: skip
    extraction_submit(task=first, user=extractor, roles=["a", "b", "drop", "a"], texts=["1", "2", "3", "4"], **parties)
    gold_create(
        kind=TaskKind.EXTRACTION, answer={"roles": ["a", "b", "drop", "a"]}, admin=admin_user, candidate=first.candidate
    )
    settings.ANNOTATION_GOLD_RATE = 1.0
    other = make_user(Role.ANNOTATOR, profile__can_extract_literary=True)
    gold_task = task_claim_next(user=other, kind=TaskKind.EXTRACTION)
    assert gold_task.gold is not None
    extraction_submit(task=gold_task, user=other, roles=["a", "b", "b", "a"], texts=["1", "2", "3", "4"], **parties)
    gold_task.refresh_from_db()
    assert gold_task.gold_score == 0.75
    assert Dialogue.objects.filter(source=DialogueSource.LITERARY).count() == 1  # gold work adds nothing
