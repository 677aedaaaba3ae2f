"""Extraction task parties: an existing character is pre-selected when the detected name matches,
and no character is created from a detected name the annotator did not confirm."""

import re

import pytest
from django.urls import reverse

from annotation.models import TaskKind
from annotation.selectors import character_for_speaker
from annotation.services.extraction import PartyProfile, extraction_submit, literary_work_scan, work_upload
from annotation.services.task_queue import TaskRefused, task_claim_next
from platform_core.roles import Role
from roleplay.models import Character, Dialogue, DialogueSource
from tests.factories import CharacterFactory

pytestmark = pytest.mark.django_db

# 拱手 and 一面 sit where a careless detector would read a name.
NOVEL = (
    "第一回 访友\n"
    "那年轻人收了伞，拱手说道：“请问宝玉在家么？”宝玉笑道：“我就是。”\n"
    "黛玉一面沏茶，一面问道：“你从哪里来？”宝玉道：“从城外来。”黛玉道：“坐罢。”\n"
)
LINES = {f"role_{index}": "drop" for index in range(5)} | {f"text_{index}": "x" for index in range(5)}


@pytest.fixture
def extractor(make_user, settings):
    settings.ANNOTATION_GOLD_RATE = 0
    return make_user(Role.ANNOTATOR, profile__can_extract_literary=True)


@pytest.fixture
def work(admin_user):
    work = work_upload(title="访友", language="zh-hans", filename="n.txt", data=NOVEL.encode(), uploader=admin_user)
    literary_work_scan(work_id=work.pk)
    return work


def test_detected_speakers_are_names_not_gestures(work):
    speakers = {line["speaker"] for candidate in work.candidates.all() for line in candidate.lines}
    assert {"宝玉", "黛玉"} <= speakers and not speakers & {"拱手", "一面", "年轻人收了伞"}


def party_sections(html):
    """Per party prefix: (the proposed name, the <select> of existing characters)."""
    names = dict(re.findall(r'id="([ab])_name" name="[ab]_name" value="([^"]*)"', html))
    selects = dict(re.findall(r'data-party="([ab])".*?(<select.*?</select>)', html, re.S))
    return {prefix: (names[prefix], selects[prefix]) for prefix in ("a", "b")}


def test_the_existing_character_is_preselected_when_the_detected_name_matches(client, work, extractor):
    baoyu = CharacterFactory(name="宝玉", language="zh-hans")
    CharacterFactory(name="宝玉", language="en")  # same name, other language: not the first choice
    client.force_login(extractor)
    task_url = client.post(reverse("annotation:extraction-next"))["Location"]
    sections = party_sections(client.get(task_url).content.decode())
    assert {name for name, _select in sections.values()} == {"宝玉", "黛玉"}
    for name, select in sections.values():
        if name == "宝玉":
            assert f'<option value="{baoyu.pk}" selected>' in select
        else:
            assert "selected" not in select  # 黛玉 has no character yet: nothing is chosen for it


def test_a_character_already_in_the_work_wins(work, admin_user, extractor):
    in_work = CharacterFactory(name="宝玉", language="zh-hans")
    newer = CharacterFactory(name="宝玉", language="zh-hans")
    task = task_claim_next(user=extractor, kind=TaskKind.EXTRACTION)
    roles = ["drop"] * len(task.candidate.lines)
    roles[1], roles[-1] = "a", "b"
    extraction_submit(
        task=task,
        user=extractor,
        roles=roles,
        texts=[line["text"] for line in task.candidate.lines],
        party_a=PartyProfile(name="宝玉", existing=in_work),
        party_b=PartyProfile(name="黛玉", fields={"identity": "林姑娘"}, create_new=True),
    )
    assert character_for_speaker(name="宝玉", work=work) == in_work != newer
    assert character_for_speaker(name="拱手", work=work) is None


def test_saving_the_detected_names_unconfirmed_creates_no_character(client, work, extractor):
    client.force_login(extractor)
    task_url = client.post(reverse("annotation:extraction-next"))["Location"]
    post = LINES | {"role_1": "a", "role_2": "b", "a_name": "宝玉", "b_name": "黛玉", "action": "save"}
    post |= {"a_identity": "公子", "b_identity": "小姐"}
    response = client.post(task_url, post)
    assert response.status_code == 400
    assert (response.context["error"].code, response.context["error"].field) == ("unconfirmed_character", "a_create")
    assert not Character.objects.exists() and not Dialogue.objects.filter(source=DialogueSource.LITERARY).exists()
    response = client.post(task_url, post | {"a_create": "on"})
    assert response.context["error"].field == "b_create"
    assert not Character.objects.exists()  # party A was not kept when party B failed
    response = client.post(task_url, post | {"a_create": "on", "b_create": "on"})
    assert response.status_code == 302
    assert sorted(Character.objects.values_list("name", flat=True)) == ["宝玉", "黛玉"]


def test_the_service_refuses_an_unconfirmed_new_character(work, extractor):
    task = task_claim_next(user=extractor, kind=TaskKind.EXTRACTION)
    roles = ["drop"] * len(task.candidate.lines)
    roles[0], roles[1] = "a", "b"
    with pytest.raises(TaskRefused) as refused:
        extraction_submit(
            task=task,
            user=extractor,
            roles=roles,
            texts=[line["text"] for line in task.candidate.lines],
            party_a=PartyProfile(name="拱手", fields={"identity": "x"}),
            party_b=PartyProfile(name="宝玉", fields={"identity": "y"}, create_new=True),
        )
    assert refused.value.code == "unconfirmed_character" and "拱手" in refused.value.message
    assert not Character.objects.filter(name="拱手").exists()
